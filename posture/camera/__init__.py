"""How the camera sees the runner: view, roll (level), scene lines, orientation, cuts."""
