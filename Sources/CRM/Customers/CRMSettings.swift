/// The domain's configurable rules (DESIGN.md options): the base currency and the lifecycle
/// thresholds of API.md §3.
public struct CRMSettings: Sendable {
    public var baseCurrency: String
    /// A customer whose last paid order is older than this many days is `at_risk`.
    public var atRiskDays: Int
    /// … older than this many days, `churned`.
    public var churnDays: Int

    public init(baseCurrency: String = "CNY", atRiskDays: Int = 90, churnDays: Int = 180) {
        self.baseCurrency = baseCurrency
        self.atRiskDays = atRiskDays
        self.churnDays = churnDays
    }
}
