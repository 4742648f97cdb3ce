"""Running posture analysis from ordinary video.

Pipeline, one module per stage (data flows one way):

video (:mod:`posture.io.video`) -> pose landmarks (:mod:`posture.pose.extract`, container in
:mod:`posture.track`) -> cleaned signals (:mod:`posture.signal.clean`) -> view and camera level
(:mod:`posture.camera.view`) -> gait events and strides (:mod:`posture.gait.events`) -> per-stride
metrics (:mod:`posture.metrics`) -> comparison (:mod:`posture.stats.compare`) -> findings
(:mod:`posture.findings.rules`) -> pictures and reports (:mod:`posture.report`).
"""

__version__ = "0.1.0"
