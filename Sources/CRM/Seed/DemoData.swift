/// Word pools for realistic demo customers: Chinese and English names, companies, places.
enum DemoData {
    static let chineseSurnames = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "高", "罗"]
    static let chineseGivenNames = [
        "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平", "建华", "晓东", "子涵", "雨桐",
    ]
    static let pinyin: [String: String] = [
        "王": "wang", "李": "li", "张": "zhang", "刘": "liu", "陈": "chen", "杨": "yang", "黄": "huang", "赵": "zhao", "吴": "wu", "周": "zhou",
        "徐": "xu", "孙": "sun", "马": "ma", "朱": "zhu", "胡": "hu", "郭": "guo", "何": "he", "林": "lin", "高": "gao", "罗": "luo",
    ]
    static let englishFirstNames = [
        "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "David", "Sarah", "Emma", "Oliver", "Sophia",
        "Lucas", "Mia", "Noah",
    ]
    static let englishLastNames = [
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Wilson", "Taylor", "Clark", "Lewis", "Walker",
        "Hall",
    ]
    static let chineseCompanySuffixes = ["科技有限公司", "贸易有限公司", "信息技术有限公司", "医疗器械有限公司", "物流有限公司", "教育咨询有限公司", "食品有限公司"]
    static let englishCompanyWords = [
        "Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Northwind", "Contoso", "Fabrikam", "Tailspin", "Blue Harbor", "Summit",
    ]
    static let englishCompanySuffixes = ["Ltd", "Inc", "GmbH", "LLC", "Group", "Partners"]
    static let industries = [
        "technology", "finance", "healthcare", "retail", "manufacturing", "education", "logistics", "real_estate", "energy", "media",
        "hospitality", "agriculture", "telecom", "automotive",
    ]
    static let chinesePlaces: [(region: String, cities: [String])] = [
        ("上海市", ["上海"]), ("北京市", ["北京"]), ("广东省", ["广州", "深圳", "东莞"]), ("浙江省", ["杭州", "宁波"]), ("江苏省", ["南京", "苏州"]),
        ("四川省", ["成都"]), ("湖北省", ["武汉"]), ("福建省", ["厦门", "福州"]),
    ]
    static let otherPlaces: [(country: String, region: String, cities: [String])] = [
        ("US", "California", ["San Francisco", "Los Angeles"]), ("US", "New York", ["New York"]),
        ("GB", "England", ["London", "Manchester"]),
        ("DE", "Bavaria", ["Munich"]), ("SG", "Singapore", ["Singapore"]), ("JP", "Tokyo", ["Tokyo"]),
    ]
    static let titles = ["采购经理", "总经理", "IT主管", "财务总监", "Procurement Manager", "CTO", "Operations Director", "Founder", "市场经理"]
    static let owners = ["陈静", "李强", "王磊", "Emma Clark", "Noah Hall", "刘洋"]
    static let tags = ["vip", "重点客户", "newsletter", "trial", "partner", "华东", "华南", "enterprise", "smb", "renewal-2026", "event-lead"]
    static let segments = ["gold", "silver", "bronze"]
    static let domains = ["example.cn", "example.com", "mail.example.org", "corp.example.net"]
}
