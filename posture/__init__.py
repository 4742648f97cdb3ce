"""Running posture analysis from ordinary video.

Pipeline, one module per stage (data flows one way):

video (:mod:`posture.video`) -> pose landmarks (:mod:`posture.pose`, container in
:mod:`posture.track`) -> cleaned signals (:mod:`posture.signal`) -> view and camera level
(:mod:`posture.view`) -> gait events and strides (:mod:`posture.gait`) -> per-stride
metrics (:mod:`posture.metrics`) -> comparison (:mod:`posture.compare`) -> findings
(:mod:`posture.findings`) -> pictures and reports (:mod:`posture.report`).
"""

__version__ = "0.1.0"
