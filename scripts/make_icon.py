"""Draw the program's icon, assets/lstm-studio.png: an LSTM cell's state line with its two
gates (× forgets, + writes) on a rounded square. Drawn with Qt, so nothing is downloaded.

    .venv/bin/python scripts/make_icon.py            # -> assets/lstm-studio.png (256×256)
    .venv/bin/python scripts/make_icon.py --size 512 --out /tmp/icon.png
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "assets" / "lstm-studio.png"


def draw(size: int):  # -> QImage (Qt is imported once the platform is set)
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtGui import QBrush, QColor, QImage, QLinearGradient, QPainter, QPainterPath, QPen

    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.scale(size / 256, size / 256)  # drawn on a 256-unit grid

    background = QLinearGradient(0, 0, 0, 256)
    background.setColorAt(0, QColor("#2b6cb0"))
    background.setColorAt(1, QColor("#1a365d"))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(background))
    p.drawRoundedRect(QRectF(8, 8, 240, 240), 44, 44)

    # The cell state: a straight line through the cell, as in the notes' diagram.
    state = QPen(QColor("#f6e05e"), 14, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    p.setPen(state)
    p.drawLine(QPointF(30, 96), QPointF(226, 96))

    # The hidden state: a wave below, what the cell writes out step by step.
    wave = QPainterPath(QPointF(30, 184))
    for i in range(4):
        x = 30 + i * 49
        wave.cubicTo(QPointF(x + 16, 150), QPointF(x + 33, 150), QPointF(x + 49, 184))
    p.setPen(QPen(QColor("#90cdf4"), 10, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawPath(wave)

    # The two gates on the state line: × (forget) and + (write).
    mark = QPen(QColor("#1a365d"), 7, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    for cx, sign in ((92, "x"), (164, "+")):
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#ffffff"))
        p.drawEllipse(QPointF(cx, 96), 24, 24)
        p.setPen(mark)
        if sign == "x":
            p.drawLine(QPointF(cx - 10, 86), QPointF(cx + 10, 106))
            p.drawLine(QPointF(cx - 10, 106), QPointF(cx + 10, 86))
        else:
            p.drawLine(QPointF(cx - 12, 96), QPointF(cx + 12, 96))
            p.drawLine(QPointF(cx, 84), QPointF(cx, 108))
    p.end()
    return image


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Draw the LSTM Studio icon.")
    parser.add_argument("--size", type=int, default=256, help="width and height in pixels")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841  (QPainter needs one)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if not draw(args.size).save(str(args.out), "PNG"):
        print(f"make_icon: cannot write {args.out}", file=sys.stderr)
        return 1
    print(f"{args.out} ({args.size}×{args.size}, {args.out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
