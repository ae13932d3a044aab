"""Real identifiers: USCC (GB 32100-2015), resident ID (GB 11643-1999), regions (GB/T 2260)."""

from graph_service.ids.regions import Region, region, validate_region_code
from graph_service.ids.resident_id import validate_resident_id
from graph_service.ids.uscc import validate_uscc

__all__ = ["Region", "region", "validate_region_code", "validate_resident_id", "validate_uscc"]
