"""Inventory skills: stock of an item in a store or across stores, a store's inventory and what is out of stock
(``query.py``, over ``actions.aws.inventory.queries``), every sentence in ``wording.py``."""
