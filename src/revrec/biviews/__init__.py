"""Outbound BI views: the view registry, v1/v2 paging, continuation-token tasks and their page cache."""
