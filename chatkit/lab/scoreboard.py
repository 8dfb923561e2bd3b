"""The capstone's scoreboard: every team's marks on the rubric, as a text table or an HTML one (notebook 17).

    board = grade_class({"team-01": {"evidence": 4, "impact": 1}, "team-02": {"fix_test": 4}})
    print(board.table())              # or display(HTML(board.html()))

Grading is arithmetic on the marks (rubric.py), no server is started, so a class of 100 teams is graded at once.
Ties keep the teams' alphabetical order: the rank is the same on every run.
"""

import html
from collections.abc import Mapping
from dataclasses import dataclass

from chatkit.lab.rubric import RUBRIC, Marks, check_marks, most_points, points


@dataclass(frozen=True)
class Row:
    """One team on the board: its name, its mark per criterion, rules broken, and its points."""

    team: str
    marks: tuple[int, ...]  # in the rubric's order
    rules_broken: int
    points: int


@dataclass(frozen=True)
class Scoreboard:
    """The rows of a graded class, best first."""

    rows: tuple[Row, ...]

    def totals(self) -> dict[str, int]:
        """Return each team's points, best first."""
        return {row.team: row.points for row in self.rows}

    def table(self) -> str:
        """Return the board as aligned text: rank, team, a column per criterion, rules broken, points."""
        rows = [headings(), *(cells(rank, row) for rank, row in enumerate(self.rows, start=1))]
        widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
        return "\n".join("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)) for row in rows)

    def html(self) -> str:
        """Return the board as an HTML table (every cell escaped: team names come from a roster)."""
        head = "".join(f"<th>{html.escape(cell)}</th>" for cell in headings())
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in cells(rank, row)) + "</tr>"
            for rank, row in enumerate(self.rows, start=1)
        )
        return f'<table class="chatkit-scoreboard"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def headings() -> list[str]:
    """Return the board's column headings."""
    return ["rank", "team", *(each.key for each in RUBRIC), "rules broken", f"points (of {most_points()})"]


def cells(rank: int, row: Row) -> list[str]:
    """Return one team's cells, in the order of headings()."""
    return [str(rank), row.team, *(str(mark) for mark in row.marks), str(row.rules_broken), str(row.points)]


def grade_team(team: str, marks: Marks) -> Row:
    """Check one team's marks against the rubric and return its row (a criterion not marked counts 0)."""
    check_marks(team, marks)
    return Row(team, tuple(marks.get(each.key, 0) for each in RUBRIC), marks.get("rules_broken", 0), points(marks))


def grade_class(marks: Mapping[str, Marks]) -> Scoreboard:
    """Grade every team and rank them, best first (ties alphabetically)."""
    rows = sorted((grade_team(team, given) for team, given in marks.items()), key=lambda row: (-row.points, row.team))
    return Scoreboard(tuple(rows))
