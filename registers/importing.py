"""Import of the registers of past cases that committees keep today in Excel (SPEC §3, issue 6).

One table, `COLUMNS`, says everything about the file: the headers, which are required, how each
cell is read, and the help text of the downloadable template (`template_xlsx`) and of the README.

A run reads the file (.xlsx, or .csv in UTF-8 with or without BOM or in GB18030, which Chinese
Excel writes), checks the header, then reads and checks every row; row numbers are the
spreadsheet's (the header is row 1). If any row is bad, the run stops there and reports them all:
nothing is imported. Otherwise, in one transaction, each case is walked to its final state
through workflows.services, exactly as the demo data is walked (cases/demo.py): register →
accept → records → outcome → closure approval → visit → archive, dated by the register, every
event marked {"imported": true, "source_row": n}, no document issued and nothing notified
(workflows.services.Imported). A row the services refuse is reported like a bad cell. A dry run,
or any refused row, rolls the whole transaction back: a file is imported whole or not at all, and
a clean dry run means the import will go through.

The file is at most settings.TIAOJIE_UPLOAD_MAX_BYTES["import"] (10 MB by default; the page refuses
a larger one while it streams, core/uploads.py); an .xlsx is opened only after the checks of
registers/reading.py (zip bomb, DTD/entities, untrusted dimensions); every line counts toward the
row limit, blank ones included.
"""

from registers.columns import COLUMNS, MAX_ROWS, SHEET, template_xlsx
from registers.reading import FileProblem, ImportResult, RowError, check_header, read_rows
from registers.running import import_cases, may_import

__all__ = [
    "COLUMNS",
    "MAX_ROWS",
    "SHEET",
    "FileProblem",
    "ImportResult",
    "RowError",
    "check_header",
    "import_cases",
    "may_import",
    "read_rows",
    "template_xlsx",
]
