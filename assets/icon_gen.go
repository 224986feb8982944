//go:build ignore

// icon_gen draws the Signpost icon: a white signpost with two boards on a
// rounded teal square. Run from the module root: go run assets/icon_gen.go
package main

import (
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"log"
	"os"

	"golang.org/x/image/vector"
)

const size = 512

// shape fills a polygon (in 512-unit coordinates) with c, anti-aliased.
func shape(dst *image.RGBA, c color.Color, pts ...[2]float32) {
	r := vector.NewRasterizer(size, size)
	r.MoveTo(pts[0][0], pts[0][1])
	for _, p := range pts[1:] {
		r.LineTo(p[0], p[1])
	}
	r.ClosePath()
	r.Draw(dst, dst.Bounds(), image.NewUniform(c), image.Point{})
}

// roundRect fills a rectangle with rounded corners of radius rad.
func roundRect(dst *image.RGBA, c color.Color, x0, y0, x1, y1, rad float32) {
	roundPath(x0, y0, x1, y1, rad).Draw(dst, dst.Bounds(), image.NewUniform(c), image.Point{})
}

// roundRectInto draws the rounded rectangle as an opaque mask.
func roundRectInto(dst *image.Alpha, x0, y0, x1, y1, rad float32) {
	roundPath(x0, y0, x1, y1, rad).Draw(dst, dst.Bounds(), image.Opaque, image.Point{})
}

func roundPath(x0, y0, x1, y1, rad float32) *vector.Rasterizer {
	r := vector.NewRasterizer(size, size)
	const k = 0.5523 // cubic approximation of a quarter circle
	r.MoveTo(x0+rad, y0)
	r.LineTo(x1-rad, y0)
	r.CubeTo(x1-rad+rad*k, y0, x1, y0+rad-rad*k, x1, y0+rad)
	r.LineTo(x1, y1-rad)
	r.CubeTo(x1, y1-rad+rad*k, x1-rad+rad*k, y1, x1-rad, y1)
	r.LineTo(x0+rad, y1)
	r.CubeTo(x0+rad-rad*k, y1, x0, y1-rad+rad*k, x0, y1-rad)
	r.LineTo(x0, y0+rad)
	r.CubeTo(x0, y0+rad-rad*k, x0+rad-rad*k, y0, x0+rad, y0)
	r.ClosePath()
	return r
}

func main() {
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	draw.Draw(img, img.Bounds(), image.Transparent, image.Point{}, draw.Src)

	teal := color.RGBA{0x0b, 0x6e, 0x69, 0xff}
	dark := color.RGBA{0x07, 0x4d, 0x4a, 0xff}
	white := color.RGBA{0xff, 0xff, 0xff, 0xff}
	yellow := color.RGBA{0xff, 0xc8, 0x3d, 0xff}
	shadow := color.RGBA{0x00, 0x00, 0x00, 0x38}

	// the rounded square, with a band of ground clipped to it
	mask := image.NewAlpha(img.Bounds())
	roundRectInto(mask, 16, 16, 496, 496, 96)
	draw.DrawMask(img, img.Bounds(), image.NewUniform(teal), image.Point{}, mask, image.Point{}, draw.Over)
	draw.DrawMask(img, image.Rect(0, 404, size, size), image.NewUniform(dark), image.Point{}, mask, image.Point{0, 404}, draw.Over)
	roundRect(img, shadow, 196, 396, 316, 416, 10)
	// post
	roundRect(img, white, 236, 92, 276, 410, 10)
	// upper board, pointing right
	shape(img, shadow, [2]float32{118, 140}, [2]float32{368, 140}, [2]float32{420, 186}, [2]float32{368, 232}, [2]float32{118, 232})
	shape(img, yellow, [2]float32{112, 128}, [2]float32{362, 128}, [2]float32{414, 174}, [2]float32{362, 220}, [2]float32{112, 220})
	// lower board, pointing left
	shape(img, shadow, [2]float32{150, 262}, [2]float32{400, 262}, [2]float32{400, 350}, [2]float32{150, 350}, [2]float32{98, 306})
	shape(img, white, [2]float32{144, 250}, [2]float32{394, 250}, [2]float32{394, 338}, [2]float32{144, 338}, [2]float32{92, 294})
	// finial
	roundRect(img, white, 226, 76, 286, 100, 10)
	// lines on the boards, like lettering
	roundRect(img, dark, 148, 162, 330, 186, 12)
	roundRect(img, teal, 176, 282, 360, 306, 12)

	f, err := os.Create("assets/icon.png")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		log.Fatal(err)
	}
}
