"""Datasets: the catalogue, loaders, user files, synthetic generators and splits."""

from graphkit.data.catalog import CATALOG, DatasetInfo, dataset_names, get_info
from graphkit.data.files import load_file, save_edge_list
from graphkit.data.loaders import load
from graphkit.data.root import cache_dir, data_root
from graphkit.data.splits import random_link_split, random_node_split, training_graph
from graphkit.data.types import LinkSplit, LoadedDataset, NodeSplit

__all__ = [
    "CATALOG",
    "DatasetInfo",
    "LinkSplit",
    "LoadedDataset",
    "NodeSplit",
    "cache_dir",
    "data_root",
    "dataset_names",
    "get_info",
    "load",
    "load_file",
    "random_link_split",
    "random_node_split",
    "save_edge_list",
    "training_graph",
]
