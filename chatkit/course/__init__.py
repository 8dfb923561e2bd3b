"""The course: student copies of the exercises, the checks that travel with them, and a grader for a class.

home.py finds the copy a student works in; exercises.py loads and checks its files; student_copy.py writes a copy;
grade.py grades a folder of submissions, each in a fresh copy and its own process; referee.py keeps a check's secret
in a process the student's code cannot reach.
"""
