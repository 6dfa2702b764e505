namespace MarketingBot.Storage;

/// <summary>
/// Schema steps both databases take alike, written once; each engine's ordered list names them where they fall.
/// <c>BIGINT</c> is PostgreSQL's 64-bit integer; SQLite reads any type name containing INT as its integer.
/// </summary>
internal static class SharedMigrations
{
    // Content Planner rows decided but not yet written to the sheet, so a crash cannot lose them.
    public const string ContentPlannerQueue = """
        CREATE TABLE planner_rows (
            url TEXT PRIMARY KEY,
            row_values TEXT NOT NULL,
            columns TEXT NOT NULL,
            rewrite INTEGER NOT NULL,
            version BIGINT NOT NULL,
            queued_at BIGINT NOT NULL);
        """;

    // The bot's own comment on each issue (by its marker): its id, and a hash of the text it last wrote.
    public const string BotComments = """
        CREATE TABLE bot_comments (
            issue TEXT NOT NULL,
            marker TEXT NOT NULL,
            comment_id BIGINT NOT NULL,
            body_hash TEXT NOT NULL,
            PRIMARY KEY (issue, marker));
        """;

    // A row for a request just opened cannot be on the sheet yet: it is appended without reading the sheet first.
    public const string PlannerFirstWrite = """
        ALTER TABLE planner_rows ADD COLUMN first_write INTEGER NOT NULL DEFAULT 0;
        """;

    // The dashboard's sign-in keys (Data Protection), shared by every replica on this database.
    public const string SignInKeys = """
        CREATE TABLE sign_in_keys (
            name TEXT PRIMARY KEY,
            xml TEXT NOT NULL,
            created_at BIGINT NOT NULL);
        """;

    // Campaign plans: each stage's issue under its brief, its owner, due date and state; and the KPIs' actuals.
    public const string CampaignPlans = """
        CREATE TABLE campaign_stages (
            brief TEXT NOT NULL,
            brief_number INTEGER NOT NULL,
            campaign TEXT NOT NULL,
            stage TEXT NOT NULL,
            issue TEXT NOT NULL,
            repository TEXT NOT NULL,
            number INTEGER NOT NULL,
            title TEXT NOT NULL,
            owner_role TEXT,
            assignees TEXT NOT NULL,
            due TEXT,
            done INTEGER NOT NULL DEFAULT 0,
            at_risk_told INTEGER NOT NULL DEFAULT 0,
            approvers TEXT NOT NULL DEFAULT '',
            approved INTEGER NOT NULL DEFAULT 0,
            after_approvals INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (brief, stage));
        CREATE INDEX campaign_stages_issue ON campaign_stages(issue);
        CREATE TABLE campaign_kpis (
            brief TEXT NOT NULL,
            name TEXT NOT NULL,
            target TEXT NOT NULL,
            actual TEXT,
            by_login TEXT,
            at BIGINT NOT NULL,
            PRIMARY KEY (brief, name));
        """;

    // The claim's ordering checks seek by issue and state (an earlier one waiting; one running) instead of walking
    // every waiting delivery of the issue.
    public const string ClaimOrderingIndex = """
        DROP INDEX IF EXISTS deliveries_ordering;
        CREATE INDEX deliveries_ordering ON deliveries(ordering_key, state, id);
        """;
}
