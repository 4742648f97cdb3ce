"""Test-side helpers shared by the whole suite; the fixtures built on them are in
``tests/conftest.py``.

* ``paths``: the repository, the bundled samples, the shared real clips (and the skip mark
  for tests that need them).
* ``side_stick``, ``frontal_stick``: closed-form stick runners (side view; rear/front through
  a pinhole) whose metric values and event times are exact by construction.
* ``synthetic``: the ``posture.synth`` runner (physical gait model) as a landmark track with
  its ground truth, in the camera set-ups the tests use.
* ``clips``: rendered clips and their pose tracks through the project's own pose cache
  (keyed by the clip's bytes and ``posture.pose.extract.EXTRACTION_VERSION``).
* ``videogen``: small test videos (VFR, rotation flags, codecs, broken files).
* ``report``: a hand-built runner and analysis for the report, history and app tests.
* ``bad_inputs``: the corpus of bad inputs and the refusal each must get.
* ``text_checks``: what no sentence a person reads may contain.
* ``app_server``: start the Streamlit app on a free port for the browser tests.
"""
