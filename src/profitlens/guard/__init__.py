"""What keeps a run going, and its outputs safe, when the input or the machine misbehaves.

:mod:`.stop` turns SIGTERM into an exception, so a stopped run removes its half-written outputs
and leaves the previous ones as they were; :mod:`.exchange` swaps the new outputs in with one
atomic step; :mod:`.leftovers` removes what killed runs left; :mod:`.ragged` reads a CSV file
with rows of the wrong length (which staging quarantines) instead of refusing it. (The report is
drawn in a child process by :mod:`profitlens.report.isolated`, so a crash of the chart renderer
cannot take the run down.)
"""
