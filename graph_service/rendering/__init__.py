"""Documents and pictures drawn from what the engine computes: the credit report as HTML and
PDF (:mod:`.report`) and plots (:mod:`.plots`). The engine never imports this package."""
