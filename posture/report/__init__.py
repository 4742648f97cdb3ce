"""Pictures and reports of an analysis: annotated frames, key frames, plots, video, exports, PDF.

Everything here draws or writes what the analysis already measured; no metric is computed here
except the on-picture angles, which use the same definitions as the metrics so that what is
drawn matches what is reported.
"""
