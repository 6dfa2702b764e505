namespace MarketingBot.Planner;

/// <summary>The Content Planner spreadsheet (<c>Sheets__*</c>).</summary>
public sealed class PlannerSettings
{
    public const string Section = "Sheets";

    public string? SpreadsheetId { get; set; }
    public string SheetName { get; set; } = "Content Planner";
    public string? CredentialsPath { get; set; }
    public string BaseUrl { get; set; } = "https://sheets.googleapis.com";

    /// <summary>Changes to one request within this window make one write.</summary>
    public TimeSpan CoalesceWindow { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often every open request is compared with the sheet.</summary>
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromMinutes(30);

    public bool IsConfigured => !string.IsNullOrWhiteSpace(SpreadsheetId) && !string.IsNullOrWhiteSpace(CredentialsPath);
}
