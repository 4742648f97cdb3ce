"""One clip's analysis per view: side, rear/front, quality flags, walking/running."""
