/// Okabe and Ito's colours, which people with any common colour-vision deficiency tell apart,
/// each paired with a dash pattern so that lines differ in shape as well as colour.
enum ChartPalette {
    static let colours = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000"]
    static let dashes = ["", "7 4", "2 3", "9 3 2 3", "4 2", "1 2", "12 4"]

    static func colour(_ index: Int) -> String { colours[index % colours.count] }
    static func dash(_ index: Int) -> String { dashes[index % dashes.count] }
}
