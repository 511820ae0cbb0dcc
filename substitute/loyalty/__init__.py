"""Loyalty signals: why customers want an item (psychological or behavioural).

:mod:`substitute.loyalty.reviews` reads one review and says whether its motive
is attachment to a name (psychological), the item's own use, price, look or
feel (behavioural), or unknown (none), with the evidence spans. Supporting
modules: :mod:`~substitute.loyalty.normalize` (text folding with offsets back
to the original), :mod:`~substitute.loyalty.names` (catalogue names and names
outside it) and :mod:`~substitute.loyalty.lexicon` (the retailer-editable cue
files in ``configs/loyalty/``). Importing this package loads none of them.
"""
