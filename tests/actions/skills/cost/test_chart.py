"""The cost chart is a real PNG, and heavy libraries load only when used."""

from __future__ import annotations

import struct
import subprocess
import sys

from actions.skills.cost.chart import cost_chart_png
from launcher.config import ROOT
from tests.actions.aws.cost.support import three_megabytes_in_standard


def test_chart_is_a_png_of_the_requested_size() -> None:
    png = cost_chart_png(three_megabytes_in_standard(), width=6.4, height=3.6, dpi=100)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])  # IHDR
    assert (width, height) == (640, 360)
    assert len(png) > 5000


def test_importing_the_skill_loads_neither_matplotlib_nor_duckdb() -> None:
    code = (
        "import sys, actions.aws.cost.analysis, actions.aws.cost.inventory, actions.aws.cost.lifecycle, "
        "actions.skills.cost.analysis, actions.skills.cost.chart, actions.skills.cost.lifecycle; "
        "print('matplotlib' in sys.modules, 'duckdb' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
