/*
 * geo_near.c - a k-d tree over unit vectors for nearest-site queries.
 *
 * Each site becomes a point on the unit sphere.  The straight-line (chord)
 * distance between two such points grows with the great-circle distance,
 * so the nearest sites by chord are the nearest by miles, and a plain 3-D
 * k-d tree answers the query with no trigonometry until the end.
 *
 * The tree is implicit in a preorder array of nodes.  A node splits its
 * points at the median along the axis where they spread widest (US sites
 * fill a thin cap of the sphere, so cycling through x, y, z would waste
 * levels); leaves hold up to LEAF_SIZE points.
 *
 * Exactness.  Results are ranked by (miles, id), miles being a function
 * of the squared chord c2.  That function is monotone but not strictly so
 * in floating point: two sites a rounding error apart in c2 may get the
 * same miles, and then the lower id must win even if its c2 is the larger.
 * So the search keeps the k best by (c2, id) in a heap and, beside it, the
 * "near misses" within a relative NEAR_EPS of the heap's worst (mostly
 * sites at the very coordinates of the worst one: ZIP centroids are often
 * shared; about two a query in bench/bench_geo.c); the final (miles, id)
 * sort over both gives exactly what a full scan sorted by
 * (geo_distance_miles, id) gives.  Outside that margin c2 alone decides,
 * because miles then differ by far more than one rounding.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "geo_near.h"
#include "xalloc.h"

#define LEAF_SIZE	8
#define NEAR_EPS	1e-12	/* relative c2 margin >> rounding */
#define STACK_CANDS	32	/* candidates kept without malloc */

struct kd_point {
	double v[3];		/* unit vector */
	int64_t id;		/* geo_site.id */
};

struct kd_node {
	double split;		/* median v[dim]: left <= split <= right */
	uint32_t lo, hi;	/* the node's points: pts[lo..hi) */
	uint32_t right;		/* right child; the left one is this + 1;
				   0 for a leaf (the root is no one's child) */
	uint8_t dim;		/* split axis, 0..2 */
};

struct geo_index {
	struct kd_point *pts;	/* in tree order: each node's are a run */
	size_t npts;		/* sites indexed (those with finite pt) */
	struct kd_node *nodes;	/* preorder, root first */
	size_t nnodes;		/* nodes in use */
	size_t nodes_cap;	/* nodes allocated */
};

/* ------------------------------------------------------------- distances */

static void
to_unit(struct geo_point p, double v[3])
{
	double sla, cla, slo, clo;

	sincos(p.lat * (M_PI / 180), &sla, &cla);
	sincos(p.lon * (M_PI / 180), &slo, &clo);
	v[0] = cla * clo;
	v[1] = cla * slo;
	v[2] = sla;
}

static inline double
chord2(const double a[3], const double b[3])
{
	double dx = a[0] - b[0], dy = a[1] - b[1], dz = a[2] - b[2];

	return dx * dx + dy * dy + dz * dz;
}

/* Arc length for a squared chord: chord = 2 sin(angle / 2). */
static double
miles_of_chord2(double c2)
{
	double h = sqrt(c2) / 2;

	if (h > 1)	/* rounding, for antipodes */
		h = 1;
	return 2 * GEO_EARTH_RADIUS_MILES * asin(h);
}

double
geo_distance_miles(struct geo_point a, struct geo_point b)
{
	double u[3], v[3];

	to_unit(a, u);
	to_unit(b, v);
	return miles_of_chord2(chord2(u, v));
}

/* ----------------------------------------------------------------- build */

static void
swap_points(struct kd_point *a, struct kd_point *b)
{
	struct kd_point t = *a;

	*a = *b;
	*b = t;
}

static double
median3(double a, double b, double c)
{
	if (a > b) {
		double t = a;

		a = b;
		b = t;
	}
	return c < a ? a : c > b ? b : c;
}

/*
 * Reorders p[lo..hi) so p[nth] holds the value a sort by v[dim] would put
 * there, with nothing larger before it and nothing smaller after it.
 * A three-way partition (Dijkstra's flag) makes every round shrink the
 * range, and ends at once when nth lands among keys equal to the pivot,
 * so runs of duplicate coordinates cost nothing extra.
 */
static void
select_nth(struct kd_point *p, size_t lo, size_t hi, size_t nth, int dim)
{
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		double pivot = median3(p[lo].v[dim], p[mid].v[dim],
		    p[hi - 1].v[dim]);
		size_t lt = lo, i = lo, gt = hi;

		/* [lo, lt) < pivot, [lt, i) == pivot, [gt, hi) > pivot */
		while (i < gt) {
			if (p[i].v[dim] < pivot)
				swap_points(&p[lt++], &p[i++]);
			else if (p[i].v[dim] > pivot)
				swap_points(&p[i], &p[--gt]);
			else
				i++;
		}
		if (nth < lt)
			hi = lt;
		else if (nth >= gt)
			lo = gt;
		else
			return;
	}
}

static uint32_t
node_add(struct geo_index *ix)
{
	if (ix->nnodes == ix->nodes_cap) {
		ix->nodes_cap = ix->nodes_cap ? 2 * ix->nodes_cap : 64;
		ix->nodes = xreallocarray(ix->nodes, ix->nodes_cap,
		    sizeof(*ix->nodes));
	}
	memset(&ix->nodes[ix->nnodes], 0, sizeof(ix->nodes[0]));
	return (uint32_t)ix->nnodes++;
}

static void
build(struct geo_index *ix, size_t lo, size_t hi)
{
	uint32_t self = node_add(ix);
	double min[3], max[3], spread = -1;
	size_t i, mid;
	int d, dim = 0;

	ix->nodes[self].lo = (uint32_t)lo;
	ix->nodes[self].hi = (uint32_t)hi;
	if (hi - lo <= LEAF_SIZE)
		return;

	for (d = 0; d < 3; d++)
		min[d] = max[d] = ix->pts[lo].v[d];
	for (i = lo + 1; i < hi; i++) {
		for (d = 0; d < 3; d++) {
			if (ix->pts[i].v[d] < min[d])
				min[d] = ix->pts[i].v[d];
			if (ix->pts[i].v[d] > max[d])
				max[d] = ix->pts[i].v[d];
		}
	}
	for (d = 0; d < 3; d++) {
		if (max[d] - min[d] > spread) {
			spread = max[d] - min[d];
			dim = d;
		}
	}

	mid = lo + (hi - lo) / 2;
	select_nth(ix->pts, lo, hi, mid, dim);
	/* Children are added below, so reload the node through the index
	 * each time: node_add() may move the array. */
	ix->nodes[self].dim = (uint8_t)dim;
	ix->nodes[self].split = ix->pts[mid].v[dim];
	build(ix, lo, mid);
	ix->nodes[self].right = (uint32_t)ix->nnodes;
	build(ix, mid, hi);
}

struct geo_index *
geo_index_new(const struct geo_site *sites, size_t n)
{
	struct geo_index *ix;
	size_t i;

	ix = xcalloc(1, sizeof(*ix));
	ix->pts = xreallocarray(NULL, n ? n : 1, sizeof(*ix->pts));
	for (i = 0; i < n; i++) {
		if (!isfinite(sites[i].pt.lat) || !isfinite(sites[i].pt.lon))
			continue;
		to_unit(sites[i].pt, ix->pts[ix->npts].v);
		ix->pts[ix->npts].id = sites[i].id;
		ix->npts++;
	}
	/* uint32_t node fields: far beyond any club list. */
	if (ix->npts > UINT32_MAX / 2)
		abort();
	if (ix->npts > 0)
		build(ix, 0, ix->npts);
	return ix;
}

void
geo_index_free(struct geo_index *ix)
{
	if (ix == NULL)
		return;
	free(ix->nodes);
	free(ix->pts);
	free(ix);
}

size_t
geo_index_count(const struct geo_index *ix)
{
	return ix->npts;
}

/* ---------------------------------------------------------------- search */

struct cand {
	double c2;		/* squared chord to the query */
	double miles;		/* filled in at the end */
	int64_t id;		/* geo_site.id */
};

/* A growable array that starts on the caller's stack. */
struct cands {
	struct cand *a;		/* the entries */
	size_t n;		/* entries in use */
	size_t cap;		/* entries allocated */
	struct cand *stack;	/* the initial a, not to be freed */
};

struct search {
	double q[3];		/* the query's unit vector */
	size_t k;		/* results wanted */
	double bound;		/* c2 limit from max_miles (with margin) */
	double limit;		/* c2 past which nothing makes the list */
	bool (*keep)(int64_t id, void *arg);	/* the caller's filter */
	void *arg;		/* its argument */
	struct cands heap;	/* max-heap by (c2, id) of the best, <= k */
	struct cands near;	/* within NEAR_EPS of the heap's worst */
};

static void
cands_push(struct cands *c, struct cand x)
{
	if (c->n == c->cap) {
		size_t cap = 2 * c->cap;

		if (c->a == c->stack) {
			c->a = xmalloc(cap * sizeof(*c->a));
			memcpy(c->a, c->stack, c->n * sizeof(*c->a));
		} else {
			c->a = xreallocarray(c->a, cap, sizeof(*c->a));
		}
		c->cap = cap;
	}
	c->a[c->n++] = x;
}

static void
cands_release(struct cands *c)
{
	if (c->a != c->stack)
		free(c->a);
}

/* Adds x to the near misses; drops the ones the limit has since passed
 * before growing the array, so duplicates far from the answer don't pile
 * up. */
static void
near_push(struct search *s, struct cand x)
{
	struct cands *c = &s->near;

	if (c->n == c->cap) {
		size_t i, m = 0;

		for (i = 0; i < c->n; i++)
			if (c->a[i].c2 <= s->limit)
				c->a[m++] = c->a[i];
		c->n = m;
	}
	cands_push(c, x);
}

static inline bool
worse(const struct cand *a, const struct cand *b)
{
	return a->c2 > b->c2 || (a->c2 == b->c2 && a->id > b->id);
}

static void
heap_sift_up(struct cand *h, size_t i)
{
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		struct cand t;

		if (!worse(&h[i], &h[parent]))
			break;
		t = h[i];
		h[i] = h[parent];
		h[parent] = t;
		i = parent;
	}
}

static void
heap_sift_down(struct cand *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct cand t;

		if (l < n && worse(&h[l], &h[m]))
			m = l;
		if (r < n && worse(&h[r], &h[m]))
			m = r;
		if (m == i)
			break;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static void
update_limit(struct search *s)
{
	double l;

	if (s->heap.n < s->k)
		return;
	l = s->heap.a[0].c2 * (1 + NEAR_EPS);
	s->limit = l < s->bound ? l : s->bound;
}

static void
offer(struct search *s, double c2, int64_t id)
{
	struct cand x = { c2, 0, id };
	struct cand *top;

	if (c2 > s->limit)
		return;
	if (s->heap.n < s->k) {
		if (s->keep != NULL && !s->keep(id, s->arg))
			return;
		cands_push(&s->heap, x);
		heap_sift_up(s->heap.a, s->heap.n - 1);
		update_limit(s);
		return;
	}
	top = &s->heap.a[0];
	if (s->keep != NULL && !s->keep(id, s->arg))
		return;
	if (worse(top, &x)) {
		struct cand out = *top;

		*top = x;
		heap_sift_down(s->heap.a, s->heap.n, 0);
		update_limit(s);
		x = out;
		if (x.c2 > s->limit)
			return;
	}
	/*
	 * Within the margin of the worst kept: it may still share its miles
	 * with a kept one of higher id (even at an equal c2: that kept one
	 * need not be the worst).  The final sort decides.
	 */
	near_push(s, x);
}

static void
search_node(const struct geo_index *ix, struct search *s, uint32_t ni)
{
	const struct kd_node *nd = &ix->nodes[ni];
	double diff;

	if (nd->right == 0) {
		const struct kd_point *p = &ix->pts[nd->lo];
		const struct kd_point *end = &ix->pts[nd->hi];

		for (; p < end; p++)
			offer(s, chord2(s->q, p->v), p->id);
		return;
	}
	/* A point across the plane is at least |diff| away along that axis
	 * alone (and rounding keeps that true), so the far side can hold
	 * nothing nearer than diff^2. */
	diff = s->q[nd->dim] - nd->split;
	if (diff < 0) {
		search_node(ix, s, ni + 1);
		if (diff * diff <= s->limit)
			search_node(ix, s, nd->right);
	} else {
		search_node(ix, s, nd->right);
		if (diff * diff <= s->limit)
			search_node(ix, s, ni + 1);
	}
}

static bool
rank_before(const struct cand *a, const struct cand *b)
{
	return a->miles < b->miles || (a->miles == b->miles && a->id < b->id);
}

static int
rank_cmp(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;

	return rank_before(a, b) ? -1 : rank_before(b, a) ? 1 : 0;
}

size_t
geo_index_nearest(const struct geo_index *ix, struct geo_point from,
    size_t k, double max_miles, bool (*keep)(int64_t id, void *arg),
    void *arg, struct geo_hit *out)
{
	struct cand heap_stack[STACK_CANDS], near_stack[STACK_CANDS];
	struct search s;
	struct cands *all;
	size_t i, n = 0;

	if (k == 0 || ix->npts == 0 || !isfinite(from.lat) ||
	    !isfinite(from.lon) || !(max_miles >= 0))
		return 0;

	memset(&s, 0, sizeof(s));
	to_unit(from, s.q);
	s.k = k;
	s.keep = keep;
	s.arg = arg;
	if (max_miles >= M_PI * GEO_EARTH_RADIUS_MILES) {
		s.bound = INFINITY;
	} else {
		double c = 2 * sin(max_miles / (2 * GEO_EARTH_RADIUS_MILES));

		/* A superset: the exact test on miles comes at the end. */
		s.bound = c * c * (1 + NEAR_EPS);
	}
	s.limit = s.bound;
	s.heap = (struct cands){ heap_stack, 0, STACK_CANDS, heap_stack };
	s.near = (struct cands){ near_stack, 0, STACK_CANDS, near_stack };

	search_node(ix, &s, 0);

	/* Everything ranked: the heap plus the near misses still in reach. */
	all = &s.heap;
	for (i = 0; i < s.near.n; i++)
		if (s.near.a[i].c2 <= s.limit)
			cands_push(all, s.near.a[i]);
	for (i = 0; i < all->n; i++)
		all->a[i].miles = miles_of_chord2(all->a[i].c2);
	if (all->n <= STACK_CANDS) {
		/* Insertion sort: a handful of entries. */
		for (i = 1; i < all->n; i++) {
			struct cand x = all->a[i];
			size_t j = i;

			for (; j > 0 && rank_before(&x, &all->a[j - 1]); j--)
				all->a[j] = all->a[j - 1];
			all->a[j] = x;
		}
	} else {
		qsort(all->a, all->n, sizeof(*all->a), rank_cmp);
	}
	for (i = 0; i < all->n && n < k; i++) {
		if (!(all->a[i].miles <= max_miles))
			break;
		out[n].id = all->a[i].id;
		out[n].miles = all->a[i].miles;
		n++;
	}
	cands_release(&s.near);
	cands_release(&s.heap);
	return n;
}
