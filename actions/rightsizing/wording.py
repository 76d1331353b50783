"""Every sentence the right-sizing engine puts in a recommendation's ``reasons`` and ``burstable_notes``, and the
number formats they use, so a chat reply shows the same words on every channel."""

from __future__ import annotations

DEMAND = "p{percentile} CPU {cpu} of {vcpu} vCPU + {headroom} headroom = {needed} vCPU"
FORECAST_SETS_NEED = "forecast upper bound {cpu} of {vcpu} vCPU + {headroom} headroom = {needed} vCPU (this sets the need)"
FORECAST_BELOW = "forecast upper bound {cpu} stays below the observed p{percentile}"
SUSTAINED_ABOVE = "its sustained {sustained} vCPU is above {type}'s {baseline} vCPU baseline: credits run out"
MEMORY_HALF = "{type} has {then} GiB, less than half of today's {now} GiB (memory is not measured, so I don't go lower)"
CARRIES = "{needed} vCPU at peak fits {type}'s {vcpu} vCPU"
TOO_SMALL = "{needed} vCPU is more than {type}'s {vcpu} vCPU"
ABOVE_BASELINE = "{what} {cpu} is above {type}'s {baseline} baseline: credits run out"
AVERAGE = "average"
FORECAST_AVERAGE = "forecast average"
BANK_TOO_SMALL = "its busiest spell needs {needed} credits; {type} banks at most {banked}: credits run out"
FITS = "{type} fits: {vcpu} vCPU, {memory} GiB, {monthly} a month"
CHEAPER = "{type} fits for {saving} a month less"
NO_CHEAPER_FAMILY = "no cheaper {family} size fits"
NO_CHEAPER_ANY = "no cheaper type in the catalogue fits"
NONE_FITS_FAMILY = "no {family} size fits {needed} vCPU; {type} is the largest - ask me to look beyond the {family} family"
NONE_FITS_ANY = "no type in the catalogue fits {needed} vCPU; {type} is the largest"
MEMORY_DOWN = "memory drops from {now} to {then} GiB; it is not measured (needs the CloudWatch agent), so check it first"
MEMORY_SAME = "memory is not measured (needs the CloudWatch agent); {type} keeps the same {then} GiB"
MEMORY_UP = "memory is not measured (needs the CloudWatch agent); {type} has {then} GiB, up from {now}"
MEMORY_FLOOR = "{type} would fit the CPU, but with memory unmeasured I never suggest less than half of today's {now} GiB"

EARNS = "{type} earns {credits} credits an hour ({baseline} of {vcpu} vCPU); the {cpu} average spends {spent}"
UNLIMITED = (
    "in unlimited mode AWS bills the excess as surplus credits (about {cost} a month); "
    "in standard mode the instance is slowed to {baseline}"
)
BASELINE_COVERS = (
    "{type}'s {baseline} baseline ({baseline_vcpu} vCPU) covers the {sustained} vCPU average; peaks spend banked credits"
)
NOT_BURSTABLE = "{type} is not burstable: no credits to run out"


def pct(value: float) -> str:
    """A CPU percentage: whole numbers from 10%, one decimal below (5.5%)."""
    if value >= 10 or float(value).is_integer():
        return f"{value:.0f}%"
    return f"{value:.1f}%"


def number(value: float) -> str:
    """A figure as written in the catalogue: 17, 22.5, 0.5."""
    return f"{value:g}"


def vcpu(value: float) -> str:
    """vCPU-equivalents: one decimal; two where one would hide the point (0.04 is not 0.0, 2.04 is more than 2)."""
    short = f"{value:.1f}"
    if float(short) != value and float(short).is_integer():
        return f"{value:.2f}"
    return short


def money(value: float) -> str:
    return f"${value:,.2f}"
