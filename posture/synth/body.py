"""Body proportions and the trunk outline of the synthetic runner.

Segment lengths are fractions of standing height H (Winter's anthropometric table), so a
runner of any height has the same shape. The trunk outline is given along the hip-midpoint
(s=0) -> shoulder-midpoint (s=1) axis in units of trunk length, which is the frame the
lumbar-arch metric uses (``posture.track.TRUNK_PROFILE_S``).
"""

from __future__ import annotations

import numpy as np

# --- segment lengths, fraction of standing height (Winter 2009, table 4.1) ---
THIGH_H = 0.245
SHANK_H = 0.246
LEG_H = THIGH_H + SHANK_H  # 0.491: the definitions' L_m = 0.491 H
ANKLE_HEIGHT_H = 0.039
# Distance between the hip landmarks. Anatomical hip joint centres are ~0.10 H apart and the
# bony pelvis ~0.19 H wide (the definitions' W_m = 0.191 H is that breadth); pose models put
# their hip points in between, so the model uses 0.12 H.
HIP_WIDTH_H = 0.120
TRUNK_H = 0.288  # hip joint centre (0.530 H) to shoulder joint centre (0.818 H)
SHOULDER_WIDTH_H = 0.220  # shoulder joint centres (a little inside the bony width 0.259 H)
UPPER_ARM_H = 0.186
FOREARM_H = 0.146
HAND_H = 0.108
NECK_TO_EAR_H = 0.112  # shoulder line to ear level
# foot: ankle joint to the back of the heel / to the toe tip, horizontal (flat foot)
HEEL_BACK_H = 0.030
TOE_FWD_H = 0.117

# --- trunk outline (side view), distance from the axis in units of trunk length ---
#: station of the buttock's most prominent point and of the upper back's, on the trunk axis.
BUTTOCK_S = -0.05
UPPER_BACK_S = 0.75
#: back outline at both anchors (equal, so that a flat back gives an arch depth of exactly 0).
BACK_ANCHOR_T = 0.24

_FRONT_KNOTS_S = np.array([-0.35, -0.2, 0.0, 0.3, 0.6, 0.85, 1.0, 1.1])
_FRONT_KNOTS_T = np.array([0.10, 0.13, 0.16, 0.17, 0.20, 0.22, 0.16, 0.10])

# --- trunk outline (rear/front view): half-width in units of trunk length ---
_WIDTH_KNOTS_S = np.array([-0.35, -0.2, -0.05, 0.15, 0.35, 0.6, 0.8, 0.95, 1.05, 1.12])
_WIDTH_KNOTS_T = np.array([0.26, 0.30, 0.33, 0.30, 0.26, 0.30, 0.34, 0.42, 0.40, 0.20])


def arch_bump(s: np.ndarray) -> np.ndarray:
    """Shape of the lumbar dip between buttock and upper back: 0 at both anchors, 1 midway."""
    x = (np.asarray(s, dtype=float) - BUTTOCK_S) / (UPPER_BACK_S - BUTTOCK_S)
    out = np.sin(np.pi * np.clip(x, 0.0, 1.0)) ** 2
    return np.where((x > 0) & (x < 1), out, 0.0)


def back_profile(s: np.ndarray, lumbar_arch: float | np.ndarray) -> np.ndarray:
    """Back outline distance from the trunk axis, in trunk lengths (positive, behind the axis).

    Parameters
    ----------
    s : stations along hip-mid (0) -> shoulder-mid (1).
    lumbar_arch : depth of the low-back curve below the buttock-to-upper-back chord, in trunk
        lengths (0 = flat back).
    """
    s = np.asarray(s, dtype=float)
    arch = np.asarray(lumbar_arch, dtype=float)
    below = BACK_ANCHOR_T * np.sqrt(np.clip(1.0 - ((s - BUTTOCK_S) / 0.32) ** 2, 0.0, 1.0))
    middle = BACK_ANCHOR_T - arch * arch_bump(s)
    above = BACK_ANCHOR_T - 0.115 * ((s - UPPER_BACK_S) / 0.30) ** 2
    out = np.where(s < BUTTOCK_S, below, np.where(s <= UPPER_BACK_S, middle, above))
    return np.clip(out, 0.0, None)


def front_profile(s: np.ndarray) -> np.ndarray:
    """Front outline (belly, chest) distance from the trunk axis, in trunk lengths."""
    return np.interp(np.asarray(s, dtype=float), _FRONT_KNOTS_S, _FRONT_KNOTS_T)


def half_width_profile(s: np.ndarray) -> np.ndarray:
    """Half-width of the trunk seen from behind or in front, in trunk lengths."""
    return np.interp(np.asarray(s, dtype=float), _WIDTH_KNOTS_S, _WIDTH_KNOTS_T)
