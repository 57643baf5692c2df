/* The walk over a parsed page, in C: hugopipe.validate.extract's element loop spent a
 * third of a worker's time making a Python object per node and a dict per element.
 *
 * This file knows nothing of Python and links against nothing: the caller passes the
 * lexbor functions it needs (exported by selectolax's own extension module) as function
 * pointers, and gets back the page's references as "events", the same list that
 * extract.node_events() builds from selectolax nodes. extract.py checks at start-up that
 * both agree, and uses node_events() whenever this library is missing or answers
 * anything but a complete list.
 *
 * Output: code 0x1f value 0x1f code 0x1f value 0x1f ... One code byte, one value per
 * event; a value of 0x1d stands for an attribute that is absent or has no value. If a
 * value itself holds a byte in 0x1c..0x1f the walk gives up (HP_ODD) rather than
 * escape it: the caller then takes the slow path for that page.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef void *(*node_fn)(void *);
typedef uintptr_t (*tag_fn)(void *);
typedef unsigned (*type_fn)(void *);
typedef const unsigned char *(*str_fn)(void *, size_t *);
typedef void *(*byname_fn)(void *, const unsigned char *, size_t);

/* in the order extract.py fills the array in */
typedef struct {
    node_fn first_child, next, parent;
    tag_fn tag_id;
    type_fn type;
    node_fn first_attr, next_attr;
    str_fn attr_name, attr_value;
    byname_fn attr_by_name;
} hp_lexbor;

enum { HP_FULL = -1, HP_ODD = -2 };
enum { ELEMENT_NODE = 1 };

enum { ID, IGNORE, HREF, NAME, REL, SRC, SRCSET, ALT, POSTER, DATA, PROPERTY, CONTENT,
       HTTP_EQUIV, NSLOTS };
static const char *const SLOT_NAME[NSLOTS] = {
    "id", "data-proofer-ignore", "href", "name", "rel", "src", "srcset", "alt", "poster",
    "data", "property", "content", "http-equiv"};

typedef struct {
    const unsigned char *v[NSLOTS];
    size_t n[NSLOTS];
    char has[NSLOTS];
} attrs;

typedef struct {
    char *p, *end;
    int err;
} out;

static void put_raw(out *o, const unsigned char *s, size_t n) {
    if (o->err) return;
    if ((size_t)(o->end - o->p) < n + 1) { o->err = HP_FULL; return; }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c >= 0x1c && c <= 0x1f) { o->err = HP_ODD; return; }
        o->p[i] = (char)c;
    }
    o->p += n;
    *o->p++ = 0x1f;
}

static void emit(out *o, char code, const unsigned char *s, size_t n) {
    if (o->err) return;
    if (o->end - o->p < 2) { o->err = HP_FULL; return; }
    *o->p++ = code;
    *o->p++ = 0x1f;
    put_raw(o, s, n);
}

/* code, then a one-byte marker value that put_raw would refuse */
static void emit_marker(out *o, char code, char marker) {
    if (o->err) return;
    if (o->end - o->p < 4) { o->err = HP_FULL; return; }
    *o->p++ = code;
    *o->p++ = 0x1f;
    *o->p++ = marker;
    *o->p++ = 0x1f;
}

/* the attribute as a dict of selectolax's gives it: 0x1d when absent or valueless */
static void emit_attr(out *o, char code, const attrs *a, int slot) {
    if (a->has[slot] && a->v[slot] != NULL) emit(o, code, a->v[slot], a->n[slot]);
    else emit_marker(o, code, 0x1d);
}

/* the attribute only when it is there with a value (`if x is not None`) */
static void emit_if(out *o, char code, const attrs *a, int slot) {
    if (a->has[slot] && a->v[slot] != NULL) emit(o, code, a->v[slot], a->n[slot]);
}

/* the attribute only when it is a non-empty string (`if x:` / `x or ""`) */
static void emit_truthy(out *o, char code, const attrs *a, int slot) {
    if (a->has[slot] && a->v[slot] != NULL && a->n[slot] > 0)
        emit(o, code, a->v[slot], a->n[slot]);
}

static void read_attrs(const hp_lexbor *lx, void *el, attrs *a) {
    memset(a->has, 0, sizeof a->has);
    for (void *at = lx->first_attr(el); at != NULL; at = lx->next_attr(at)) {
        size_t n = 0;
        const unsigned char *name = lx->attr_name(at, &n);
        if (name == NULL) continue;
        for (int k = 0; k < NSLOTS; k++) {
            if (strlen(SLOT_NAME[k]) == n && memcmp(SLOT_NAME[k], name, n) == 0) {
                size_t m = 0;
                const unsigned char *v = lx->attr_value(at, &m);
                a->v[k] = v;
                a->n[k] = v != NULL ? m : 0;
                a->has[k] = 1; /* a later attribute of the same name wins, as in a dict */
                break;
            }
        }
    }
}

/* kind: the byte extract.py's tag table gives a wanted tag; 0 for any other element */
static void element(const hp_lexbor *lx, void *el, unsigned char kind, out *o) {
    attrs a;
    if (kind == 0) {
        void *at = lx->attr_by_name(el, (const unsigned char *)"id", 2);
        size_t n = 0;
        const unsigned char *v = at != NULL ? lx->attr_value(at, &n) : NULL;
        if (v != NULL && n > 0) emit(o, '#', v, n);
        return;
    }
    read_attrs(lx, el, &a);
    emit_truthy(o, '#', &a, ID);
    if (a.has[IGNORE]) return;
    switch (kind) {
    case 'a':
        emit_truthy(o, '#', &a, NAME);
        emit_if(o, 'a', &a, HREF);
        break;
    case 'r':
        emit_if(o, 'r', &a, HREF);
        break;
    case 'L':
        emit_truthy(o, 'l', &a, REL);
        emit_attr(o, 'L', &a, HREF);
        break;
    case 'I':
    case 'O':
        emit_truthy(o, 's', &a, SRCSET);
        if (a.has[ALT]) emit(o, 'n', (const unsigned char *)"", 0);
        emit_attr(o, (char)kind, &a, SRC);
        break;
    case 'S':
    case 'f':
    case 't':
    case 'e':
        emit_if(o, (char)kind, &a, SRC);
        break;
    case 'v':
    case 'u':
        emit_if(o, (char)kind, &a, SRC);
        emit_if(o, (char)kind, &a, POSTER);
        break;
    case 'o':
        emit_if(o, 'o', &a, DATA);
        break;
    case 'M':
        emit_truthy(o, 'p', &a, PROPERTY);
        emit_truthy(o, 'c', &a, CONTENT);
        emit_truthy(o, 'h', &a, HTTP_EQUIV);
        if (a.has[NAME] && a.v[NAME] != NULL && a.n[NAME] > 0) emit(o, 'M', a.v[NAME], a.n[NAME]);
        else emit(o, 'M', (const unsigned char *)"", 0);
        break;
    case 'T':
        emit_marker(o, 'T', 0x1c); /* the caller reads the text from the node */
        break;
    default: /* base, style: nothing but the id */
        break;
    }
}

/* Walk doc's subtree in document order, as selectolax's traverse() does. Returns the
 * number of bytes written, or HP_FULL / HP_ODD. */
long hp_events(const hp_lexbor *lx, void *doc, const unsigned char *kinds, size_t nkinds,
               char *buf, size_t cap) {
    out o = {buf, buf + cap, 0};
    void *node = lx->first_child(doc);
    while (node != NULL && o.err == 0) {
        if (lx->type(node) == ELEMENT_NODE) {
            uintptr_t tag = lx->tag_id(node);
            element(lx, node, tag < nkinds ? kinds[tag] : 0, &o);
        }
        void *child = lx->first_child(node);
        if (child != NULL) {
            node = child;
            continue;
        }
        while (node != doc && lx->next(node) == NULL) node = lx->parent(node);
        node = node == doc ? NULL : lx->next(node);
    }
    return o.err ? o.err : (long)(o.p - buf);
}
