using MarketingBot.Commands;

namespace MarketingBot.Tests.Commands;

public sealed class CommandParserTests
{
    private static string Parsed(string comment) =>
        string.Join(" | ", CommandParser.Parse(comment).Select(c => string.Join(" ", new[] { c.Name }.Concat(c.Arguments.Select(a => $"[{a}]")))));

    [Theory]
    [InlineData("/approve", "approve")]
    [InlineData("/APPROVE looks good", "approve [looks] [good]")]
    [InlineData("   /status In Progress  ", "status [In] [Progress]")]
    [InlineData("/status \"In Progress\"", "status [In Progress]")]
    [InlineData("/approve 'ship it'", "approve [ship it]")]
    [InlineData("/approve “smart quotes”", "approve [smart quotes]")]
    [InlineData("/approve \"never closed", "approve [never closed]")]
    [InlineData("/assign @sam @kim", "assign [@sam] [@kim]")]
    [InlineData("Thanks!\r\n/recheck\r\n/schedule 1 December 2030\r\nbye", "recheck | schedule [1] [December] [2030]")]
    [InlineData("/frobnicate now", "frobnicate [now]")]
    public void A_line_starting_with_a_slash_name_is_a_command(string comment, string expected) =>
        Assert.Equal(expected, Parsed(comment));

    [Theory]
    [InlineData("```\n/approve\n```")]
    [InlineData("~~~md\n/approve\n~~~")]
    [InlineData("````\n```\n/approve\n```\n````")]
    [InlineData("> /approve")]
    [InlineData(">> /approve from an earlier reply")]
    [InlineData("    /approve")]
    [InlineData("\t/approve")]
    [InlineData("Type `/approve` to approve it.")]
    [InlineData("`/approve`")]
    [InlineData("See /docs/setup for details")]
    [InlineData("/docs/setup")]
    [InlineData("please /approve")]
    [InlineData("/ approve")]
    [InlineData("/123")]
    [InlineData("")]
    public void Quoted_fenced_indented_and_inline_commands_are_not_commands(string comment) =>
        Assert.Empty(CommandParser.Parse(comment));

    [Fact]
    public void A_command_after_a_closed_fence_counts_again()
    {
        Assert.Equal("recheck", Parsed("```\n/approve\n```\n/recheck"));
    }

    [Fact]
    public void At_most_ten_commands_are_read_from_one_comment()
    {
        var comment = string.Join("\n", Enumerable.Range(0, 50).Select(i => "/recheck"));
        Assert.Equal(CommandParser.MaxPerComment, CommandParser.Parse(comment).Count);
    }
}
