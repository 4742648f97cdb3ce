"""Reading the clip: video intake (frames with real timestamps) and the pose cache."""
