/// Words for the synthetic shop's catalog: category paths with nouns and tags, so that
/// generated products read like a real gift-and-home shop's.
enum SampleShopVocabulary {
    struct Category {
        let path: String
        let nouns: [String]
        let tags: [String]
        let medianPrice: Double
    }

    static let categories: [Category] = [
        Category(
            path: "home/kitchen", nouns: ["Mug", "Teapot", "Bread Bin", "Spice Rack", "Cake Tin", "Apron", "Tea Towel"],
            tags: ["kitchen", "baking", "tea", "gift"], medianPrice: 12),
        Category(
            path: "home/decor", nouns: ["Lantern", "Photo Frame", "Vase", "Wall Clock", "Cushion", "Candle Holder", "Mirror"],
            tags: ["decor", "vintage", "living room", "gift"], medianPrice: 18),
        Category(
            path: "home/lighting", nouns: ["Fairy Lights", "Table Lamp", "T-Light Holder", "Paper Lantern", "Night Light"],
            tags: ["lighting", "cosy", "led"], medianPrice: 15),
        Category(
            path: "home/storage", nouns: ["Storage Box", "Basket", "Jam Jar", "Tin", "Shelf", "Hook Rack"],
            tags: ["storage", "tidy", "vintage"], medianPrice: 10),
        Category(
            path: "garden/tools", nouns: ["Trowel", "Watering Can", "Pruner", "Kneeler", "Seed Box"], tags: ["garden", "outdoor", "tools"],
            medianPrice: 14),
        Category(
            path: "garden/decor", nouns: ["Bird House", "Wind Chime", "Plant Pot", "Garden Sign", "Solar Light"],
            tags: ["garden", "outdoor", "decor"], medianPrice: 16),
        Category(
            path: "kids/toys", nouns: ["Wooden Train", "Doll", "Puzzle", "Spinning Top", "Skipping Rope", "Teddy Bear"],
            tags: ["kids", "toys", "gift", "wooden"], medianPrice: 9),
        Category(
            path: "kids/party", nouns: ["Party Bunting", "Paper Cups", "Party Bag", "Balloon Set", "Cake Cases"],
            tags: ["party", "kids", "birthday"], medianPrice: 5),
        Category(
            path: "stationery/paper", nouns: ["Notebook", "Wrapping Paper", "Greeting Card", "Gift Tag", "Sticker Sheet"],
            tags: ["stationery", "paper", "gift"], medianPrice: 4),
        Category(
            path: "stationery/desk", nouns: ["Pencil Case", "Pen Pot", "Desk Tidy", "Memo Board", "Ruler"],
            tags: ["stationery", "office", "desk"], medianPrice: 7),
        Category(
            path: "fashion/bags", nouns: ["Tote Bag", "Shopper", "Lunch Bag", "Purse", "Backpack"], tags: ["bags", "fashion", "gift"],
            medianPrice: 11),
        Category(
            path: "fashion/accessories", nouns: ["Scarf", "Hair Clip", "Umbrella", "Keyring", "Brooch"], tags: ["accessories", "fashion"],
            medianPrice: 8),
        Category(
            path: "seasonal/christmas", nouns: ["Bauble", "Advent Calendar", "Christmas Star", "Stocking", "Wreath"],
            tags: ["christmas", "seasonal", "decor"], medianPrice: 6),
        Category(
            path: "seasonal/easter", nouns: ["Easter Egg", "Bunny", "Egg Cup", "Easter Basket"], tags: ["easter", "seasonal"],
            medianPrice: 5),
        Category(
            path: "bath/body", nouns: ["Soap Dish", "Bath Salts", "Towel", "Wash Bag", "Hand Cream"], tags: ["bath", "wellbeing", "gift"],
            medianPrice: 9),
        Category(
            path: "crafts/sewing", nouns: ["Sewing Kit", "Ribbon Reel", "Button Tin", "Knitting Set", "Felt Pack"],
            tags: ["crafts", "sewing", "hobby"], medianPrice: 8),
        Category(
            path: "pets/accessories", nouns: ["Pet Bowl", "Dog Lead", "Cat Toy", "Pet Bed", "Treat Tin"], tags: ["pets", "dog", "cat"],
            medianPrice: 12),
        Category(
            path: "books/cookery", nouns: ["Recipe Book", "Baking Book", "Cocktail Book", "Jam Book"], tags: ["books", "cooking", "gift"],
            medianPrice: 15),
        Category(
            path: "books/children", nouns: ["Picture Book", "Activity Book", "Colouring Book", "Story Book"],
            tags: ["books", "kids", "reading"], medianPrice: 7),
        Category(
            path: "tableware/dining", nouns: ["Plate", "Bowl", "Napkin Set", "Place Mat", "Cake Stand", "Jug"],
            tags: ["tableware", "dining", "vintage"], medianPrice: 13),
    ]

    static let adjectives = [
        "Vintage", "Retro", "Rustic", "Nordic", "Floral", "Spotty", "Striped", "Hand Painted", "Enamel",
        "Woodland", "Botanical", "Pastel", "Gingham", "Heart", "Star", "Regency", "Folk Art", "Scandi",
    ]

    static let colours = ["Red", "Blue", "Green", "Pink", "Cream", "Black", "Ivory", "Mint", "Yellow", "Grey", "White", "Natural"]

    static let brands = ["Hartley & Co", "Meadow Lane", "Little Wren", "Northcote", "Blue Fern", "Oak & Ivy", "Pebble Bay"]

    /// Countries with their share of customers.
    static let countries: [(code: String, share: Double)] = [
        ("GB", 0.42), ("DE", 0.14), ("FR", 0.12), ("NL", 0.07), ("US", 0.09), ("ES", 0.06), ("IT", 0.05), ("IE", 0.05),
    ]

    static let referrers: [(name: String, share: Double)] = [
        ("direct", 0.35), ("search", 0.30), ("email", 0.12), ("social", 0.13), ("ads", 0.10),
    ]
}
