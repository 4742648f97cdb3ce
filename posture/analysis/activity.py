"""Is the person running? Walking is told from running before any number is reported.

Three cues, none of which depends on the clip's timing (so a wrong slow-motion factor
cannot turn a walk into a run):

* **Pelvis rhythm** (any view). In walking the body vaults over a stiff stance leg
  (inverted pendulum): the hips are highest at midstance and lowest just after a contact,
  when both feet share the ground. In running the stance leg is a spring: the hips are
  lowest at midstance and highest in flight, so just after a contact they are still high.
  For each step (contact to the next contact of the other leg) the phase of the hips'
  lowest point is read from the first harmonic of their image height. Measured on real
  clips (docs/findings.md, "Input checks"): walking had the lowest point within
  ``NEAR_CONTACT`` of a contact in 79 % of steps; six running clips (treadmill, road,
  track, sprint, a front montage) in 0-19 %.
* **Leg spread and hip height** (side view, no events needed): the feet are furthest
  apart at double support in walking, when the hips are lowest, and around flight in
  running, when the hips are high. The correlation of the ankle-to-ankle distance with the
  hips' image y (down), both high-passed over about a step, is positive for a walk (+0.53 on
  the real walking clip) and negative for a run (-0.60 to -0.75 on clean running clips,
  -0.24 to +0.11 on poorer ones).
* **Duty factor**: contact time / stride time. Walking > 0.5 (both feet on the ground
  for part of each step), running < 0.5 (a flight phase) - typically 0.25-0.45.
* **Peak knee bend in swing** (side view only): about 60-65 deg in walking and 90 deg or more
  in running (Novacheck 1998, *Gait & Posture* 7:77-95). The walking clip read 56 deg, the
  running clips 90-136 deg.

The pelvis rhythm is the main cue; a clip is called walking when it says so and a second
cue agrees (or, when no second cue can be read, when it says so clearly).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from posture.errors import WalkingError
from posture.gait.events import stride_period_s
from posture.track import PoseTrack

#: The hips' lowest point counts as "at the contact" within this share of a step after
#: (or ``NEAR_CONTACT_BEFORE`` before) the contact. Before is wider: rear/front contacts
#: found from the feet's height can come late (a quarter step on a walking stick figure,
#: whose hips are lowest at the true contact); running clips read 0.35-0.65.
NEAR_CONTACT = 0.2
NEAR_CONTACT_BEFORE = 0.25
#: Share of steps with the lowest hips at the contact above which the rhythm is walking ...
WALK_PELVIS_SHARE = 0.6
#: ... and above which it is walking on its own, without a second cue.
WALK_PELVIS_SHARE_ALONE = 0.75
#: Below this share the rhythm is running-shaped.
RUN_PELVIS_SHARE = 0.3
#: Leg spread / hip height correlation above which the rhythm is walking.
WALK_SPREAD_CORR = 0.3
#: Duty factor (contact / stride) above which the feet share the ground: walking.
WALK_MIN_DUTY = 0.5
#: Peak knee bend in swing (deg) below which the leg swings like a walker's.
WALK_MAX_KNEE_DEG = 75.0
#: Peak knee bend in swing (deg) that walking never reaches: running-shaped on its own.
RUN_MIN_KNEE_DEG = 85.0
#: Fewer alternating steps than this cannot tell walking from running.
MIN_STEPS = 4
#: Samples of the hip height per step for the harmonic fit.
_STEP_SAMPLES = 20


@dataclass(frozen=True)
class GaitShape:
    """What the gait looks like, independent of the clip's timing.

    Attributes
    ----------
    n_steps : alternating steps the pelvis rhythm was read on.
    pelvis_low_at_contact_share : share of those steps whose lowest hip position lies at
        the contact (walking) rather than mid-step (running), 0..1; NaN without steps.
    spread_hip_corr : correlation of leg spread with the hips' image y (down), -1..1;
        NaN when not measured (rear/front views).
    duty_factor : median contact time / stride time, 0..1; NaN when not measured.
    peak_knee_flexion_deg : 95th percentile of the knee bend over the clip, degrees; NaN
        when not measured (rear/front views).
    """

    n_steps: int
    pelvis_low_at_contact_share: float
    spread_hip_corr: float = float("nan")
    duty_factor: float = float("nan")
    peak_knee_flexion_deg: float = float("nan")

    @property
    def walking(self) -> bool:
        """The pelvis rhythm says walking and a second cue agrees (or none can be read)."""
        share = self.pelvis_low_at_contact_share
        by_steps = self.n_steps >= MIN_STEPS and share >= WALK_PELVIS_SHARE
        if not (by_steps or self.spread_hip_corr >= WALK_SPREAD_CORR):
            return False
        second = [self.duty_factor > WALK_MIN_DUTY if np.isfinite(self.duty_factor) else None,
                  self.peak_knee_flexion_deg < WALK_MAX_KNEE_DEG
                  if np.isfinite(self.peak_knee_flexion_deg) else None]
        known = [c for c in second if c is not None]
        if not known:
            return by_steps and share >= WALK_PELVIS_SHARE_ALONE
        return any(known)

    @property
    def running_shaped(self) -> bool:
        """The movement looks like running (so a too-slow clip may well be slow motion):
        not walking, and the pelvis rhythm is a runner's or the knee bends as far as only
        running bends it."""
        if self.walking:
            return False
        pelvis = ((self.n_steps >= MIN_STEPS
                   and self.pelvis_low_at_contact_share <= RUN_PELVIS_SHARE)
                  or self.spread_hip_corr <= -WALK_SPREAD_CORR)
        knee_ok = not self.peak_knee_flexion_deg < WALK_MAX_KNEE_DEG
        return (pelvis and knee_ok) or self.peak_knee_flexion_deg >= RUN_MIN_KNEE_DEG

    def evidence(self) -> str:
        """What was seen, in words, for the refusal message."""
        parts = []
        if self.n_steps >= MIN_STEPS and self.pelvis_low_at_contact_share >= WALK_PELVIS_SHARE:
            parts.append(f"the hips were lowest just after a foot landed in "
                         f"{round(self.pelvis_low_at_contact_share * self.n_steps)} of "
                         f"{self.n_steps} steps (a runner's are lowest mid-stance)")
        elif self.spread_hip_corr >= WALK_SPREAD_CORR:
            parts.append("the hips were lowest when the feet were furthest apart (a runner's "
                         "are high then)")
        if self.duty_factor > WALK_MIN_DUTY:
            parts.append(f"each foot was on the ground {100 * self.duty_factor:.0f}% of the "
                         "stride (running: under 50%)")
        if self.peak_knee_flexion_deg < WALK_MAX_KNEE_DEG:
            parts.append(f"the knee bent at most {self.peak_knee_flexion_deg:.0f} deg in swing "
                         "(running: 90 deg or more)")
        return "; ".join(parts)


def pelvis_low_phases(t_s: np.ndarray, hip_y_px: np.ndarray,
                      contacts: Sequence[tuple[float, str]]) -> np.ndarray:
    """Where in each step the hips are lowest (0 = contact, 1 = next contact), per step.

    Parameters
    ----------
    t_s : (T,) frame times, s.
    hip_y_px : (T,) image height of the hip midpoint, px, y down (NaN where missing).
    contacts : (time_s, leg) of every initial contact, any order.

    Returns
    -------
    (n,) phases in [0, 1) of the first harmonic's low point, one per step between
    alternating contacts whose hip heights are all known.
    """
    ics = sorted((float(t), leg) for t, leg in contacts if np.isfinite(t))
    out = []
    k = np.arange(_STEP_SAMPLES)
    for (t0, l0), (t1, l1) in itertools.pairwise(ics):
        rows = np.flatnonzero((t_s >= t0) & (t_s <= t1))
        if l0 == l1 or rows.size < 4 or not np.isfinite(hip_y_px[rows]).all():
            continue
        y = np.interp(t0 + (t1 - t0) * k / _STEP_SAMPLES, t_s[rows], hip_y_px[rows])
        c = np.sum((y - y.mean()) * np.exp(-2j * np.pi * k / _STEP_SAMPLES))
        if abs(c) == 0:
            continue
        out.append((-np.angle(c) / (2 * np.pi)) % 1.0)  # y down: the harmonic's maximum
    return np.asarray(out, float)


def _high_pass(y: np.ndarray, n: int) -> np.ndarray:
    s = pd.Series(y).interpolate(limit=3, limit_area="inside")
    return (s - s.rolling(n, center=True, min_periods=max(2, n // 2)).mean()).to_numpy()


def spread_hip_corr(leg_spread_px: np.ndarray, hip_y_px: np.ndarray) -> float:
    """Correlation of the distance between the ankles with the hips' image y (down).

    Both series are high-passed by a centred mean over their dominant period (found in
    frames, so the clip's timing plays no part). NaN with too few frames.
    """
    frames = np.arange(leg_spread_px.size, dtype=float)
    period = stride_period_s(frames, leg_spread_px, lo_s=4.0, hi_s=90.0)
    if not np.isfinite(period):
        return float("nan")
    n = max(3, round(period))
    a, b = _high_pass(leg_spread_px, n), _high_pass(hip_y_px, n)
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 3 * n or np.std(a[ok]) == 0 or np.std(b[ok]) == 0:
        return float("nan")
    return float(np.corrcoef(a[ok], b[ok])[0, 1])


def gait_shape(t_s: np.ndarray, hip_y_px: np.ndarray, contacts: Sequence[tuple[float, str]],
               *, duty_factors: np.ndarray | None = None,
               knee_flexion_deg: np.ndarray | None = None,
               leg_spread_px: np.ndarray | None = None) -> GaitShape:
    """Summarise the cues (see the module doc) into a :class:`GaitShape`.

    ``duty_factors`` holds per-stride contact/stride ratios (NaN allowed);
    ``knee_flexion_deg`` any array of per-frame knee bends of both legs, degrees;
    ``leg_spread_px`` the (T,) ankle-to-ankle distance of a side view, px.
    """
    ph = pelvis_low_phases(t_s, hip_y_px, contacts)
    near = (ph <= NEAR_CONTACT) | (ph >= 1.0 - NEAR_CONTACT_BEFORE)
    share = float(near.mean()) if ph.size else float("nan")
    duty = float("nan")
    if duty_factors is not None:
        d = np.asarray(duty_factors, float)
        d = d[np.isfinite(d) & (d > 0) & (d < 1)]
        duty = float(np.median(d)) if d.size >= 2 else float("nan")
    knee = float("nan")
    if knee_flexion_deg is not None:
        kf = np.asarray(knee_flexion_deg, float)
        kf = kf[np.isfinite(kf)]
        knee = float(np.percentile(kf, 95)) if kf.size >= 10 else float("nan")
    corr = float("nan") if leg_spread_px is None else spread_hip_corr(leg_spread_px, hip_y_px)
    return GaitShape(n_steps=int(ph.size), pelvis_low_at_contact_share=share,
                     spread_hip_corr=corr, duty_factor=duty, peak_knee_flexion_deg=knee)


def shape_at_any_speed(track: PoseTrack, shape: GaitShape,
                       shape_of: Callable[[PoseTrack], GaitShape]) -> GaitShape:
    """The gait shape, also read at playback speed when a slow-motion factor is in force.

    Event detection searches for strides of running durations; a walk given a slow-motion
    factor it does not have looks twice as fast and its events (hence its pelvis rhythm)
    come out wrong. Read again on the clip's own playback times, a walk is a walk.
    ``shape`` is the shape already read at real speed; ``shape_of`` finds events and
    reads the shape of another track.
    """
    factor = track.info.slowmo_factor
    if shape.walking or factor == 1.0:
        return shape
    played = shape_of(replace(track, t_s=track.t_s * factor))
    return played if played.walking else shape


def check_running(shape: GaitShape, clip_name: str) -> None:
    """Refuse a walking clip with a message that says what was seen.

    Raises
    ------
    WalkingError : the gait is walking-shaped (whatever the slow-motion factor).
    """
    if shape.walking:
        raise WalkingError(
            f"The person in {clip_name} is walking, not running ({shape.evidence()}); this "
            "analyzer measures running, so film at least 10 seconds of running.")
