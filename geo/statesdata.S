/*
 * statesdata.S - embeds data/states.tsv (the US state outlines, already
 * projected, built by tools/build_states.py; docs/data.md) in the binary,
 * so the map needs no file and no network.  geo/usmap.c reads it.
 *
 * The path is relative to the top of the tree, where make runs the
 * assembler; the Makefile makes this object depend on the file.
 */
	.section .rodata
	.balign	16
	.globl	geo_statesdata_start
	.type	geo_statesdata_start, %object
geo_statesdata_start:
	.incbin	"data/states.tsv"
	.globl	geo_statesdata_end
	.type	geo_statesdata_end, %object
geo_statesdata_end:
	.byte	0
	.size	geo_statesdata_start, geo_statesdata_end - geo_statesdata_start

/* No executable stack for the whole program because of this file. */
	.section .note.GNU-stack, "", %progbits
