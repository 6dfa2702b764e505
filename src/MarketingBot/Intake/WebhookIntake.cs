using System.Net.Mime;
using MarketingBot.Configuration;
using MarketingBot.Processing;
using MarketingBot.Storage;
using MarketingBot.Telemetry;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Octokit.Webhooks;

namespace MarketingBot.Intake;

/// <summary>
/// <c>POST /api/github/webhooks</c>: verify, store, answer — nothing else. Processing happens in
/// <see cref="DeliveryProcessor"/>, so GitHub gets its answer in milliseconds whatever the work costs.
/// </summary>
/// <remarks>
/// Octokit.Webhooks.AspNetCore's own <c>MapGitHubWebhooks</c> is not used: it awaits the processor
/// before answering, accepts unsigned deliveries when no secret is set, knows one secret only (no
/// rotation) and keeps the first secret it reads. Its signature validator (constant-time) and its
/// typed events are used as they are.
/// </remarks>
public static partial class WebhookIntake
{
    public const string Path = "/api/github/webhooks";

    /// <summary>How long a client may take over its headers, and the grace before its body must come at <see cref="MinBodyBytesPerSecond"/>.</summary>
    public static readonly TimeSpan SlowClientTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// GitHub sends a delivery from its data centres at once; a sender slower than this only holds a connection and
    /// memory (a 25 MB body still arrives in under 45 minutes at this rate, a 2 MB one in under 4).
    /// </summary>
    public const int MinBodyBytesPerSecond = 10 * 1024;

    /// <summary>GitHub caps webhook payloads at 25 MB.</summary>
    public const long MaxPayloadBytes = 25 * 1024 * 1024;

    public static IEndpointRouteBuilder MapWebhookIntake(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(Path, ReceiveAsync).DisableAntiforgery();
        return endpoints;
    }

    private static async Task<IResult> ReceiveAsync(
        HttpContext context,
        IOptionsMonitor<GitHubSettings> gitHub,
        Inbox inbox,
        IntakeBudget budget,
        DeliverySignal signal,
        BotMetrics metrics,
        ILoggerFactory loggers)
    {
        using var receiving = signal.Receive();
        var logger = loggers.CreateLogger(typeof(WebhookIntake));
        var request = context.Request;
        var secrets = gitHub.CurrentValue.WebhookSecrets;
        if (secrets.Count == 0)
        {
            LogNoSecret(logger);
            return Refuse(metrics, StatusCodes.Status503ServiceUnavailable, "no-secret",
                "This MarketingBot has no webhook secret configured (GitHub__WebhookSecret), so it accepts no delivery.");
        }

        if (!IsJson(request.ContentType))
        {
            return Refuse(metrics, StatusCodes.Status415UnsupportedMediaType, "content-type",
                "Deliveries must be sent as application/json: set the webhook's content type to JSON in the GitHub App settings.");
        }

        if (request.ContentLength > MaxPayloadBytes) return TooLarge(metrics);
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = MaxPayloadBytes;
        DeliveryBody? read;
        BodyRefusal refusal;
        try
        {
            (read, refusal) = await DeliveryBody.ReadAsync(request.Body, budget, MaxPayloadBytes, context.RequestAborted);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status408RequestTimeout)
        {
            LogSlowBody(logger);
            return Refuse(metrics, StatusCodes.Status408RequestTimeout, "too-slow", "The body arrived too slowly; nothing was stored.");
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(metrics);
        }
        if (refusal == BodyRefusal.TooLarge) return TooLarge(metrics);
        if (refusal == BodyRefusal.Busy)
        {
            LogBusy(logger, budget.Capacity);
            context.Response.Headers.RetryAfter = "5";
            return Refuse(metrics, StatusCodes.Status503ServiceUnavailable, "busy",
                "Too many deliveries are arriving at once to hold them all in memory; send this one again in a few seconds.");
        }
        using var body = read!;
        return await AcceptAsync(context, body, secrets, inbox, signal, metrics, logger);
    }

    private static async Task<IResult> AcceptAsync(
        HttpContext context, DeliveryBody body, IReadOnlyList<string> secrets, Inbox inbox, DeliverySignal signal, BotMetrics metrics, ILogger logger)
    {
        var request = context.Request;

        var signature = request.Headers["X-Hub-Signature-256"].ToString();
        var verdict = Verify(signature, secrets, body.Span);
        if (verdict is not null)
        {
            LogBadSignature(logger, verdict);
            return Refuse(metrics, StatusCodes.Status401Unauthorized, "signature", verdict);
        }

        var eventName = request.Headers["X-GitHub-Event"].ToString();
        var guid = request.Headers["X-GitHub-Delivery"].ToString();
        if (string.IsNullOrWhiteSpace(eventName) || string.IsNullOrWhiteSpace(guid))
        {
            return Refuse(metrics, StatusCodes.Status400BadRequest, "headers",
                "The delivery lacks its X-GitHub-Event or X-GitHub-Delivery header.");
        }

        var envelope = DeliveryEnvelope.Read(body.Span, out var problem);
        if (envelope is not { } e)
        {
            LogMalformed(logger, guid, problem!);
            return Refuse(metrics, StatusCodes.Status400BadRequest, "malformed", $"The delivery was refused: {problem}.");
        }

        StoreOutcome outcome;
        try
        {
            outcome = await inbox.StoreAsync(new IncomingDelivery(
                guid, eventName, e.Action, e.InstallationId, e.IssueNodeId, body.Memory));
        }
        catch (Exception ex) when (ex is IOException or System.Data.Common.DbException)
        {
            // A full disk or a failing database: nothing was stored, and GitHub is told to come back (the missed-delivery
            // recovery asks it to, too). The intake answers again as soon as the storage does.
            LogStoreFailed(logger, guid, ex.Message);
            context.Response.Headers.RetryAfter = "30";
            return Refuse(metrics, StatusCodes.Status503ServiceUnavailable, "storage",
                "The bot cannot store deliveries right now (its disk or database is failing); nothing was stored. Send it again later.");
        }
        metrics.DeliveryReceived(eventName, outcome);
        if (outcome == StoreOutcome.AlreadyHandled)
        {
            return Results.Text($"Delivery {guid} was already received; it is not processed twice.\n", statusCode: StatusCodes.Status200OK);
        }
        signal.Notify();
        return Results.Text($"Delivery {guid} queued.\n", statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>Null when one of the secrets signed the body; otherwise why not, without echoing anything secret.</summary>
    internal static string? Verify(string signatureHeader, IReadOnlyList<string> secrets, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrEmpty(signatureHeader)) return "The delivery is not signed (no X-Hub-Signature-256 header).";
        if (!IsWellFormedSignature(signatureHeader)) return "The X-Hub-Signature-256 header is malformed; expected sha256= and 64 hex digits.";
        foreach (var secret in secrets)
        {
            if (WebhookSignatureValidator.Verify(signatureHeader, secret, body) == WebhookSignatureValidationResult.Valid) return null;
        }
        return "The X-Hub-Signature-256 signature does not match: check that the App's webhook secret equals GitHub__WebhookSecret.";
    }

    private static bool IsWellFormedSignature(string header) =>
        header.Length == "sha256=".Length + 64
        && header.StartsWith("sha256=", StringComparison.Ordinal)
        && header.AsSpan("sha256=".Length).ContainsAnyExcept("0123456789abcdef") is false;

    private static bool IsJson(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType)) return false;
        try
        {
            return string.Equals(new ContentType(contentType).MediaType, MediaTypeNames.Application.Json, StringComparison.OrdinalIgnoreCase);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static IResult TooLarge(BotMetrics metrics) => Refuse(metrics, StatusCodes.Status413PayloadTooLarge, "too-large",
        $"The payload is larger than GitHub's {MaxPayloadBytes / (1024 * 1024)} MB limit for webhooks.");

    private static IResult Refuse(BotMetrics metrics, int status, string reason, string message)
    {
        metrics.DeliveryRefused(reason);
        return Results.Text(message + "\n", statusCode: status);
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Error, Message = "Refused a webhook delivery: GitHub__WebhookSecret is not set, so no delivery can be verified.")]
    private static partial void LogNoSecret(ILogger logger);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Refused a webhook delivery: {Reason}")]
    private static partial void LogBadSignature(ILogger logger, string reason);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Refused a webhook delivery: its body arrived too slowly (under 10 KB/s).")]
    private static partial void LogSlowBody(ILogger logger);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning,
        Message = "Refused a webhook delivery with 503: deliveries not yet verified already hold the intake's {Capacity} bytes (Bot__IntakeBufferBytes)")]
    private static partial void LogBusy(ILogger logger, long capacity);

    [LoggerMessage(EventId = 105, Level = LogLevel.Error, Message = "Could not store delivery {Delivery}, answered 503: {Error}")]
    private static partial void LogStoreFailed(ILogger logger, string delivery, string error);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Refused delivery {Delivery}: {Problem}")]
    private static partial void LogMalformed(ILogger logger, string delivery, string problem);
}
