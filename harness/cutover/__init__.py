"""Cutover (migration phases 3 and 4): one side's books are published, the other shadows it.

Each cutover date is a parallel run of that one date (harness.runner) whose sides start
from the production books as they stand (copied in as opening books, so a date sees what
earlier dates left, whichever side produced them); then, in one transaction, the chosen
side's output of the date is published into the production books and the source's
statuses, and the cutover entry is appended to the ledger. See README "Running the cutover".
"""
