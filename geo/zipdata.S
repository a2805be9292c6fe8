/*
 * zipdata.S - embeds data/zips.tsv in the binary, so clubmatch runs from
 * any directory without looking for its data.  geo_db.c parses it.
 *
 * The path is relative to the top of the tree, where make runs the
 * assembler; the Makefile makes this object depend on the file.
 */
	.section .rodata
	.balign	16
	.globl	geo_zipdata_start
	.type	geo_zipdata_start, %object
geo_zipdata_start:
	.incbin	"data/zips.tsv"
	.globl	geo_zipdata_end
	.type	geo_zipdata_end, %object
geo_zipdata_end:
	.byte	0
	.size	geo_zipdata_start, geo_zipdata_end - geo_zipdata_start

/* No executable stack for the whole program because of this file. */
	.section .note.GNU-stack, "", %progbits
