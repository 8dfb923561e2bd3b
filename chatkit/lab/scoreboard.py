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
        width = max([len("team"), *(len(row.team) for row in self.rows)])
        head = ["rank", "team".ljust(width), *(each.key for each in RUBRIC), "rules", f"points/{most_points()}"]
        lines = ["  ".join(head)]
        for rank, row in enumerate(self.rows, start=1):
            cells = [str(mark).rjust(len(each.key)) for mark, each in zip(row.marks, RUBRIC, strict=True)]
            lines.append(
                "  ".join(
                    [
                        str(rank).rjust(4),
                        row.team.ljust(width),
                        *cells,
                        str(row.rules_broken).rjust(5),
                        str(row.points).rjust(len(head[-1])),
                    ]
                )
            )
        return "\n".join(lines)

    def html(self) -> str:
        """Return the board as an HTML table (team names escaped)."""
        head = "".join(
            f"<th>{html.escape(h)}</th>" for h in ["rank", "team", *(c.key for c in RUBRIC), "rules", "points"]
        )
        body = "".join(
            "<tr>"
            + "".join(
                f"<td>{html.escape(str(cell))}</td>"
                for cell in [rank, row.team, *row.marks, row.rules_broken, row.points]
            )
            + "</tr>"
            for rank, row in enumerate(self.rows, start=1)
        )
        return f'<table class="chatkit-scoreboard"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def grade_team(team: str, marks: Marks) -> Row:
    """Check one team's marks against the rubric and return its row (a criterion not marked counts 0)."""
    check_marks(team, marks)
    return Row(team, tuple(marks.get(each.key, 0) for each in RUBRIC), marks.get("rules_broken", 0), points(marks))


def grade_class(marks: Mapping[str, Marks]) -> Scoreboard:
    """Grade every team and rank them, best first (ties alphabetically)."""
    rows = sorted((grade_team(team, given) for team, given in marks.items()), key=lambda row: (-row.points, row.team))
    return Scoreboard(tuple(rows))
