using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CsCheck;
using MarketingBot.Commands;
using MarketingBot.Intake;
using MarketingBot.Reminders;
using MarketingBot.Requests;

namespace MarketingBot.Tests.Hardening;

/// <summary>
/// Generated input for every parser people's text goes through: none throws or hangs on anything,
/// and what the bot writes (or a person writes in the documented forms) reads back as it was meant.
/// </summary>
public sealed class PropertyTests
{
    /// <summary>Random text, and text made of the characters markdown, commands and estimates are built from.</summary>
    private static readonly Gen<string> Hostile = Gen.OneOf(
        Gen.String,
        Gen.String[Gen.Char["#*`~>-[]xX:_ \n\t/@&;()0123456789hmd.,est=|!<>\"'\\"], 0, 600],
        Gen.Char["\n#`~"].Array[0, 2000].Select(c => new string(c)));

    private static readonly Gen<string> Words = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz "], 1, 40].Where(w => w.Trim().Length > 0);

    [Fact]
    public void Every_request_type_parses_and_validates_any_text_without_throwing() =>
        Hostile.Sample(body =>
        {
            foreach (var type in WorkflowFile.Default.RequestTypes) RequestValidator.Check(type, body, new DateOnly(2026, 11, 24));
        }, iter: 300);

    [Fact]
    public void Answers_written_under_the_form_headings_read_back_as_written()
    {
        var social = WorkflowFile.Default.RequestTypes.Single(t => t.Id == "social-post");
        var text = Gen.String[Gen.Char["abcdefghij ,.\n"], 0, 200];
        Gen.Select(text, text).Sample((share, ideas) =>
        {
            var body = $"### What should we share?\n\n{share}\n\n### Visual ideas\n\n{ideas}";
            var answers = RequestBody.Parse(body, social);
            Assert.Equal(Expected(share), answers.GetValueOrDefault("share"));
            Assert.Equal(Expected(ideas), answers.GetValueOrDefault("visual-ideas"));
        }, iter: 500);

        // The parser keeps an answer's lines, without trailing blanks, and the answer without surrounding blank lines.
        static string? Expected(string answer)
        {
            var lines = string.Join('\n', answer.Split('\n').Select(l => l.TrimEnd())).Trim('\n', ' ', '\t');
            return lines.Length == 0 ? null : lines;
        }
    }

    [Fact]
    public void The_command_parser_never_throws_and_finds_exactly_the_commands_written()
    {
        Hostile.Sample(comment => Assert.All(CommandParser.Parse(comment), c => Assert.Matches("^[a-z][a-z0-9_-]*$", c.Name)), iter: 500);

        var command = Gen.Select(Gen.OneOf(CommandCatalog.All.Select(c => Gen.Const(c.Name)).ToArray()), Gen.String[Gen.Char["abc123"], 1, 8].Array[0, 3]);
        var prose = Words.Where(w => !w.TrimStart().StartsWith('/'));
        Gen.Select(command.Array[0, 10], prose.Array[0, 5]).Sample((commands, lines) =>
        {
            var comment = string.Join('\n', lines.Concat(commands.Select(c => $"/{c.Item1.ToUpperInvariant()} {string.Join(' ', c.Item2)}")));
            Assert.Equal(commands.Select(c => (c.Item1, string.Join(' ', c.Item2))), CommandParser.Parse(comment).Select(c => (c.Name, c.Text)));
        }, iter: 500);
    }

    [Fact]
    public void Estimates_read_back_in_every_notation_and_never_throw()
    {
        Hostile.Sample(text =>
        {
            // Huge numbers ("99999999999d") once overflowed TimeSpan and failed the whole delivery.
            TaskLines.EstimateOf(text);
            TaskLines.Find(text);
            Answers.TryParseDuration(text, out _);
        }, iter: 500);

        var notations = new Func<double, string>[]
        {
            h => $"({Number(h)}h)", h => $"~{Number(h)}h", h => $"est: {Number(h)}h", h => $"({Number(h)} hours)",
            h => $"{Number(h * 60)}m", h => $"estimate={Number(h / 8)}d",
        };
        Gen.Select(Gen.Int[1, 400], Gen.Int[0, notations.Length - 1], Words).Sample((quarters, notation, title) =>
        {
            var hours = quarters / 4.0;
            var estimate = TaskLines.EstimateOf($"{title} {notations[notation](hours)}");
            Assert.NotNull(estimate);
            Assert.Equal(hours, estimate.Value.TotalHours, 6);
        }, iter: 1000);

        static string Number(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
    }

    [Fact]
    public void Dates_read_back_in_every_written_form_and_never_throw()
    {
        Hostile.Sample(text => { Answers.TryParseDate(text, out _); }, iter: 500);
        string[] forms = ["yyyy-MM-dd", "d MMMM yyyy", "MMMM d, yyyy", "MMM d yyyy", "dddd, d MMMM yyyy", "yyyy-MM-ddTHH:mm"];
        Gen.Select(Gen.Int[0, 40_000], Gen.Int[0, forms.Length - 1]).Sample((days, form) =>
        {
            var date = new DateOnly(2000, 1, 1).AddDays(days);
            Assert.True(Answers.TryParseDate(date.ToDateTime(new TimeOnly(9, 30)).ToString(forms[form], CultureInfo.InvariantCulture), out var read));
            Assert.Equal(date, read);
        }, iter: 1000);
    }

    [Fact]
    public void A_signature_verifies_only_for_the_body_and_secret_that_made_it_and_no_header_throws()
    {
        Gen.Select(Gen.Byte.Array[1, 3000], Gen.String[Gen.Char["abcdefXYZ0123456789!$"], 1, 40], Gen.Int[0, 2999]).Sample((body, secret, flip) =>
        {
            var signature = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
            Assert.Null(WebhookIntake.Verify(signature, [secret], body));
            var changed = (byte[])body.Clone();
            changed[flip % changed.Length] ^= 0x20;
            Assert.NotNull(WebhookIntake.Verify(signature, [secret], changed));
            Assert.NotNull(WebhookIntake.Verify(signature, [secret + "x"], body));
        }, iter: 300);

        Hostile.Sample(header => Assert.NotNull(WebhookIntake.Verify(header, ["secret"], "{}"u8)), iter: 500);
    }
}
