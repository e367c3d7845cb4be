NAME = "md_numbered"


def sniff(text: str) -> bool:
    return False


def parse(text, path):
    raise NotImplementedError
