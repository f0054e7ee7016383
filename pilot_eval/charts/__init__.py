"""Chart builders: matplotlib ``Figure`` objects (never pyplot) shared by the window and the brief.

``group_means_figure`` draws pilot vs comparison means over time; ``figure_to_svg`` exports a
figure as accessible inline SVG for HTML; ``figure_to_vector`` records it as plain vector shapes
that the PDF renderer turns into reportlab graphics.
"""

from pilot_eval.charts.group_means import default_title, group_means_figure
from pilot_eval.charts.svg import figure_to_svg, vector_to_svg
from pilot_eval.charts.vector import PathShape, TextShape, VectorFigure, figure_to_vector

__all__ = [
    "PathShape",
    "TextShape",
    "VectorFigure",
    "default_title",
    "figure_to_svg",
    "figure_to_vector",
    "group_means_figure",
    "vector_to_svg",
]
