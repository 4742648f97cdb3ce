"""MediaPipe Pose landmark indices (33 points) and skeleton edges.

Names follow MediaPipe's ``PoseLandmark`` enum; kept here so that the maths never imports
mediapipe (fast tests, and synthetic tracks use the same layout).
"""

from __future__ import annotations

from enum import IntEnum

N_LANDMARKS = 33


class LM(IntEnum):
    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


# Left/right pairs: used by mirroring and by the leg-swap repair.
LR_PAIRS: tuple[tuple[LM, LM], ...] = (
    (LM.LEFT_EYE_INNER, LM.RIGHT_EYE_INNER),
    (LM.LEFT_EYE, LM.RIGHT_EYE),
    (LM.LEFT_EYE_OUTER, LM.RIGHT_EYE_OUTER),
    (LM.LEFT_EAR, LM.RIGHT_EAR),
    (LM.MOUTH_LEFT, LM.MOUTH_RIGHT),
    (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER),
    (LM.LEFT_ELBOW, LM.RIGHT_ELBOW),
    (LM.LEFT_WRIST, LM.RIGHT_WRIST),
    (LM.LEFT_PINKY, LM.RIGHT_PINKY),
    (LM.LEFT_INDEX, LM.RIGHT_INDEX),
    (LM.LEFT_THUMB, LM.RIGHT_THUMB),
    (LM.LEFT_HIP, LM.RIGHT_HIP),
    (LM.LEFT_KNEE, LM.RIGHT_KNEE),
    (LM.LEFT_ANKLE, LM.RIGHT_ANKLE),
    (LM.LEFT_HEEL, LM.RIGHT_HEEL),
    (LM.LEFT_FOOT_INDEX, LM.RIGHT_FOOT_INDEX),
)

LEG_LEFT: tuple[LM, ...] = (LM.LEFT_HIP, LM.LEFT_KNEE, LM.LEFT_ANKLE, LM.LEFT_HEEL,
                            LM.LEFT_FOOT_INDEX)
LEG_RIGHT: tuple[LM, ...] = (LM.RIGHT_HIP, LM.RIGHT_KNEE, LM.RIGHT_ANKLE, LM.RIGHT_HEEL,
                             LM.RIGHT_FOOT_INDEX)

#: Per-leg (per-side) joints by name: ``JOINTS["left"]["heel"]`` is ``LM.LEFT_HEEL``.
JOINTS: dict[str, dict[str, LM]] = {
    side: {"hip": LM[f"{side.upper()}_HIP"], "knee": LM[f"{side.upper()}_KNEE"],
           "ankle": LM[f"{side.upper()}_ANKLE"], "heel": LM[f"{side.upper()}_HEEL"],
           "toe": LM[f"{side.upper()}_FOOT_INDEX"], "shoulder": LM[f"{side.upper()}_SHOULDER"],
           "elbow": LM[f"{side.upper()}_ELBOW"]}
    for side in ("left", "right")
}

SKELETON_EDGES: tuple[tuple[LM, LM], ...] = (
    (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER),
    (LM.LEFT_HIP, LM.RIGHT_HIP),
    (LM.LEFT_SHOULDER, LM.LEFT_HIP),
    (LM.RIGHT_SHOULDER, LM.RIGHT_HIP),
    (LM.LEFT_SHOULDER, LM.LEFT_ELBOW),
    (LM.LEFT_ELBOW, LM.LEFT_WRIST),
    (LM.RIGHT_SHOULDER, LM.RIGHT_ELBOW),
    (LM.RIGHT_ELBOW, LM.RIGHT_WRIST),
    (LM.LEFT_HIP, LM.LEFT_KNEE),
    (LM.LEFT_KNEE, LM.LEFT_ANKLE),
    (LM.LEFT_ANKLE, LM.LEFT_HEEL),
    (LM.LEFT_HEEL, LM.LEFT_FOOT_INDEX),
    (LM.LEFT_ANKLE, LM.LEFT_FOOT_INDEX),
    (LM.RIGHT_HIP, LM.RIGHT_KNEE),
    (LM.RIGHT_KNEE, LM.RIGHT_ANKLE),
    (LM.RIGHT_ANKLE, LM.RIGHT_HEEL),
    (LM.RIGHT_HEEL, LM.RIGHT_FOOT_INDEX),
    (LM.RIGHT_ANKLE, LM.RIGHT_FOOT_INDEX),
    (LM.NOSE, LM.LEFT_EAR),
    (LM.NOSE, LM.RIGHT_EAR),
)


def mirror_index() -> list[int]:
    """Permutation that swaps every left landmark with its right partner."""
    perm = list(range(N_LANDMARKS))
    for a, b in LR_PAIRS:
        perm[a], perm[b] = int(b), int(a)
    return perm

#: The two legs, by anatomical side.
LEGS: tuple[str, str] = ("left", "right")
