using MarketingBot.Board;
using MarketingBot.Commands;
using MarketingBot.Reminders;
using MarketingBot.Review;

namespace MarketingBot.Effects;

/// <summary>The feature records a <see cref="RecordEffect"/> may write to; each effect picks the one it keeps.</summary>
public sealed record RecordStores(CardRecords Cards, ApprovalRecords Approvals, NagRecords Nags, RequestHistory Requests, Campaigns.CampaignRecords Campaigns);
