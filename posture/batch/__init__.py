"""Many clips at once: ``posture batch INPUT --out DIR``.

:mod:`posture.batch.plan` reads a folder or manifest and pairs the clips,
:mod:`posture.batch.work` analyses one clip (as ``analyze --out``) or one pair (as
``compare`` / ``session``), :mod:`posture.batch.engines` spreads clips over local processes
or a Ray cluster, :mod:`posture.batch.run` skips what is done and writes the results,
:mod:`posture.batch.summary` and :mod:`posture.batch.report` make the summary table and page.
See ``docs/batch.md``.

This module imports nothing heavy, so worker processes can limit their threads first.
"""
