"""Make the exercise stubs from the solutions, or a student copy: a door onto chatkit.course.student_copy.

    python scripts/make_student_copy.py                # rewrite notebooks/exercises/*.py from the solutions
    python scripts/make_student_copy.py --check        # exit 1 if a stub is out of date (CI runs this)
    python scripts/make_student_copy.py --out DIR      # write a student copy (the same as chatkit student-copy)

The work is done by chatkit.course.student_copy; `chatkit student-copy --help` lists every option.
"""

import sys

from chatkit.course.student_copy import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["--stubs"]))
