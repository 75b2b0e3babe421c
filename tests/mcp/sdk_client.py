"""Starts `nstba mcp` as a stdio server with the official MCP Python SDK (the `mcp` package
from PyPI, code nobody here wrote), lists its tools and calls one; prints what it got as JSON.

    python sdk_client.py NSTBA_BINARY AUTH_ID
"""
import asyncio
import json
import os
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


async def main() -> None:
    params = StdioServerParameters(
        command=sys.argv[1], args=["mcp", "--to", sys.argv[2]], env=dict(os.environ)
    )
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            tools = await session.list_tools()
            result = await session.call_tool(
                "ns_runCustomSuiteQL", {"sqlQuery": "SELECT id FROM employee WHERE id <= 2"}
            )
            # The SDK's field names changed case between versions: take either.
            info = getattr(init, "server_info", None) or getattr(init, "serverInfo")
            is_error = getattr(result, "is_error", None)
            if is_error is None:
                is_error = getattr(result, "isError", False)
            print(json.dumps({
                "server": info.name,
                "tools": [t.name for t in tools.tools],
                "rows": json.loads(result.content[0].text),
                "isError": bool(is_error),
            }))


asyncio.run(main())
