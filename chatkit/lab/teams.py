"""Draw a class into teams and give each team a variant to defend and another team's to attack (notebook 17).

    teams = draw_teams(roster, size=3, seed="spring-2027")     # any roster: 30 names, 300 names
    plan = assign(teams, seed="spring-2027")                  # each team: its ticket, and the team it attacks
    handout(plan)                                             # what each team is told: tickets only
    class_map(plan)                                           # the instructor's map: team -> variant (keep it apart)

The same roster, size and seed always give the same draw, so the instructor can redo it before class. Teams have
`size` members, or one more where the roster does not divide evenly. Variants go round the catalogue in a shuffled
order, so with more teams than variants each is used about equally; a team never attacks its own variant's kind.
"""

import random
from dataclasses import dataclass

from chatkit.lab.variants import VARIANTS, ticket_for


class DrawError(ValueError):
    """A roster or a team size that no draw can use."""


@dataclass(frozen=True)
class Team:
    """A team: its name ('team-07') and its members."""

    name: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class Assignment:
    """What one team gets: the ticket of the stage it defends, and the team whose stage it attacks."""

    team: Team
    ticket: str
    variant: str  # instructor's side only: handout() leaves it out
    target: str  # the name of the team it attacks


def draw_teams(roster: list[str], size: int, seed: str) -> list[Team]:
    """Shuffle the roster with the seed and cut it into teams of `size` (the remainder joins the first teams)."""
    names = sorted(roster)
    if len(set(names)) != len(names):
        raise DrawError("every name on the roster should be distinct (add an initial): a name stands for one person")
    if size < 1 or len(names) < 2 * size:
        raise DrawError(f"need at least two teams of {size}: got {len(names)} distinct names for size {size}")
    random.Random(f"teams/{seed}").shuffle(names)
    count = len(names) // size
    width = len(str(count))
    return [Team(f"team-{number + 1:0{width}d}", tuple(names[number::count])) for number in range(count)]


def assign(teams: list[Team], seed: str) -> list[Assignment]:
    """Give each team a variant and a target: the next team round a shuffled circle, whose variant differs."""
    if len(teams) < 2:
        raise DrawError(f"a capstone needs at least two teams (each attacks another), got {len(teams)}")
    chance = random.Random(f"variants/{seed}")
    circle = chance.sample(teams, k=len(teams))
    kinds = chance.sample(sorted(VARIANTS), k=len(VARIANTS))
    variants = [kinds[place % len(kinds)] for place in range(len(circle))]
    if len(circle) % len(kinds) == 1:  # the circle closes on the kind it opened with: move the last one on
        variants[-1] = kinds[1]
    return [
        Assignment(team, ticket_for(seed, team.name, variant), variant, circle[(place + 1) % len(circle)].name)
        for place, (team, variant) in enumerate(zip(circle, variants, strict=True))
    ]


def target_ticket(plan: list[Assignment], team: str) -> str:
    """Return the ticket of the stage `team` attacks."""
    tickets = {each.team.name: each.ticket for each in plan}
    target = next((each.target for each in plan if each.team.name == team), None)
    if target is None:
        raise DrawError(f"no team {team!r} in this plan; the teams are {sorted(tickets)}")
    return tickets[target]


def handout(plan: list[Assignment]) -> str:
    """Return what the class is told: each team, its members, its own ticket and its target's ticket."""
    tickets = {each.team.name: each.ticket for each in plan}
    rows = sorted(plan, key=lambda each: each.team.name)
    return "\n".join(
        f"{a.team.name}  defends {a.ticket}  attacks {tickets[a.target]}  ({', '.join(a.team.members)})" for a in rows
    )


def class_map(plan: list[Assignment]) -> dict[str, str]:
    """Return the instructor's map, team -> variant (keep it with the solutions, never on the projector)."""
    return {each.team.name: each.variant for each in sorted(plan, key=lambda each: each.team.name)}
