"""A query's rows as a pandas DataFrame, the way every batch reader wants them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy import Connection


def read_frame(conn: Connection, query: Any, columns: list[str] | None = None) -> pd.DataFrame:
    """Run ``query`` and return its rows; column names from the query unless given."""
    import pandas as pd

    result = conn.execute(query)
    return pd.DataFrame(result.all(), columns=columns or list(result.keys()))
