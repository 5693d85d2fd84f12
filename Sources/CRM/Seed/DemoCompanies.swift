/// Company names for seeded customers, one per customer number and different for every number
/// up to ``capacity``: with a few dozen prefixes and suffixes drawn at random, a million
/// customers shared a few hundred companies, so nearly every one of them had a namesake at the
/// same company and `GET /v1/customers/duplicates` listed the whole database. Now only the
/// duplicates the seed plants on purpose (``SeedDuplicates``) share a name and company.
///
/// The number is permuted (multiplied by a prime coprime to the space, modulo its size) and
/// read as mixed-radix digits, one per word pool, so neighbours do not look alike.
enum DemoCompanies {
    /// Different names for customer numbers `1...capacity` (per language).
    static let capacity = min(chineseSpace, englishSpace)

    /// 杭州 + 瑞丰 + 智能 + 科技有限公司.
    static func chinese(_ number: Int) -> String {
        var digits = permuted(number, space: chineseSpace)
        let city = take(&digits, chineseCities)
        let first = take(&digits, chineseSyllables)
        let second = take(&digits, chineseSyllables)
        let line = take(&digits, chineseLines)
        return city + first + second + line + take(&digits, DemoData.chineseCompanySuffixes)
    }

    /// Acme + Ironbridge + Logistics + Ltd.
    static func english(_ number: Int) -> String {
        var digits = permuted(number, space: englishSpace)
        let group = take(&digits, DemoData.englishCompanyWords)
        let brand = take(&digits, englishBrandStarts) + take(&digits, englishBrandEnds)
        let trade = take(&digits, englishTrades)
        return "\(group) \(brand) \(trade) \(take(&digits, DemoData.englishCompanySuffixes))"
    }

    private static let chineseSpace =
        chineseCities.count * chineseSyllables.count * chineseSyllables.count * chineseLines.count
        * DemoData.chineseCompanySuffixes.count
    private static let englishSpace =
        DemoData.englishCompanyWords.count * englishBrandStarts.count * englishBrandEnds.count * englishTrades.count
        * DemoData.englishCompanySuffixes.count

    /// A prime that divides neither space, so multiplying by it permutes each.
    private static let multiplier = 1_000_003

    private static func permuted(_ number: Int, space: Int) -> Int {
        (number % space) * multiplier % space
    }

    private static func take(_ digits: inout Int, _ pool: [String]) -> String {
        defer { digits /= pool.count }
        return pool[digits % pool.count]
    }

    private static let chineseCities = [
        "上海", "北京", "广州", "深圳", "杭州", "南京", "苏州", "成都", "武汉", "厦门", "宁波", "东莞", "福州", "天津", "重庆", "西安",
    ]
    private static let chineseSyllables = [
        "华", "信", "东", "方", "金", "桥", "鼎", "盛", "瑞", "丰", "博", "远", "恒", "达", "嘉", "禾", "天", "成", "星", "河", "中", "科", "新", "兴",
        "宏", "泰", "汇", "通", "安", "康", "永", "利", "佳", "美", "联", "创", "凯", "越", "锦", "润", "海", "德", "鑫", "明", "源", "正", "和", "益",
    ]
    private static let chineseLines = ["智能", "数码", "网络", "电子", "实业", "国际", "创新", "环球", "未来", "联合", "云端", "健康"]
    private static let englishBrandStarts = [
        "Blue", "Stone", "North", "Silver", "Iron", "Oak", "Red", "Bright", "Clear", "Swift", "Green", "High", "Star", "Sun", "River",
        "Pine", "Gold", "Maple", "Cedar", "Fox", "Hawk", "Lake", "Park", "West", "East", "Apex", "Harbor", "Crest", "Bay", "Rock", "Elm",
        "Ash", "Cloud", "Frost", "Jade", "Lion", "Moon", "Nova", "Sky", "Wolf",
    ]
    private static let englishBrandEnds = [
        "field", "bridge", "stone", "wood", "gate", "point", "view", "line", "works", "ton", "ford", "well", "brook", "wave", "light",
        "path", "core", "mark", "vale", "side", "stream", "ridge", "haven", "spark", "dale",
    ]
    private static let englishTrades = [
        "Analytics", "Logistics", "Systems", "Foods", "Labs", "Trading", "Health", "Energy", "Media", "Robotics", "Capital", "Software",
        "Textiles", "Motors", "Pharma", "Design", "Consulting", "Retail", "Security", "Studios",
    ]
}
