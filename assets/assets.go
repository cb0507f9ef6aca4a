// Package assets bundles the console's icons into the binary.
package assets

import (
	_ "embed"

	"fyne.io/fyne/v2"
)

var (
	//go:embed twitter.svg
	twitterSVG []byte
	//go:embed facebook.svg
	facebookSVG []byte
	//go:embed forum.svg
	forumSVG []byte
	//go:embed icon.png
	iconPNG []byte
)

// Channel icons and the application icon.
var (
	Twitter  = fyne.NewStaticResource("twitter.svg", twitterSVG)
	Facebook = fyne.NewStaticResource("facebook.svg", facebookSVG)
	Forum    = fyne.NewStaticResource("forum.svg", forumSVG)
	AppIcon  = fyne.NewStaticResource("icon.png", iconPNG)
)
