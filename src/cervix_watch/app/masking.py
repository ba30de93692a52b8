"""How a database URL, or a message that may quote one, is shown: its secrets masked.

The CLI's `--debug` traceback reaches `store.urlmask` through here (issue 20: `cli/`
imports no `store/` internals). Pure Python: importing it opens no database.
"""

from cervix_watch.store.urlmask import mask_secrets, mask_url

__all__ = ["mask_secrets", "mask_url"]
