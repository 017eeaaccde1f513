"""The complaints register (投诉登记): complaints from any channel or from the client, their
workflow, the callback to the customer and the trend (docs/quality-complaints.md)."""
