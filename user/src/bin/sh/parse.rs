//! From a typed line to something to run, in two steps.
//!
//! 1. `tokenize` cuts the line into words and operators. It deals with
//!    everything about characters: spaces, quotes, backslashes, `$?`,
//!    comments. After it, a `|` inside quotes is just part of a word.
//! 2. `parse` reads the tokens with this grammar:
//!
//! ```text
//! line     = pipeline { (";" | "&") pipeline } [";" | "&"]
//! pipeline = command { "|" command }
//! command  = { word | "<" word | ">" word | ">>" word }   (at least one word)
//! ```
//!
//! and returns a list of `Pipeline`s, each a list of `Command`s.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

#[derive(Debug, PartialEq)]
pub enum Token {
    Word(String),
    Pipe,       // |
    Input,      // <
    Output,     // >
    Append,     // >>
    Sequence,   // ;
    Background, // &
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let text = match self {
            Token::Word(word) => word,
            Token::Pipe => "|",
            Token::Input => "<",
            Token::Output => ">",
            Token::Append => ">>",
            Token::Sequence => ";",
            Token::Background => "&",
        };
        f.write_str(text)
    }
}

/// Where a command's standard output goes, if not to the shell's.
pub struct Redirect {
    pub path: String,
    /// `>>`: add to the end of the file instead of replacing it.
    pub append: bool,
}

/// One program to run: its arguments (`argv[0]` is its name) and files
/// for its standard input and output.
#[derive(Default)]
pub struct Command {
    pub argv: Vec<String>,
    pub input: Option<String>,
    pub output: Option<Redirect>,
}

/// Commands joined by `|`: each one's output is the next one's input.
pub struct Pipeline {
    pub commands: Vec<Command>,
    /// Ended with `&`: the shell does not wait for it.
    pub background: bool,
}

/// Marks where `$?` was typed. `$?` is the status of the *previous*
/// pipeline, which in `false; echo $?` is not known until `false` has run,
/// so it is filled in just before each pipeline runs (`expand_status`).
/// A NUL can never be part of an argument (the kernel passes arguments as
/// NUL-terminated strings), so it cannot be confused with typed text.
const STATUS_MARK: char = '\0';

/// Cuts `line` into tokens.
pub fn tokenize(line: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    // The word being read, if any. `Some("")` is a real (empty) word:
    // `echo ''` passes one empty argument.
    let mut word: Option<String> = None;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        let operator = match c {
            '|' => Some(Token::Pipe),
            '<' => Some(Token::Input),
            '&' => Some(Token::Background),
            ';' => Some(Token::Sequence),
            '>' if chars.peek() == Some(&'>') => {
                chars.next();
                Some(Token::Append)
            }
            '>' => Some(Token::Output),
            _ => None,
        };
        if operator.is_some() || c.is_whitespace() {
            tokens.extend(word.take().map(Token::Word));
            tokens.extend(operator);
            continue;
        }
        if c == '#' && word.is_none() {
            break; // a comment, to the end of the line
        }
        let text = word.get_or_insert_with(String::new);
        match c {
            // Single quotes: everything up to the next `'` as it is.
            '\'' => loop {
                match chars.next() {
                    Some('\'') => break,
                    Some(c) => text.push(c),
                    None => return Err("syntax error: missing closing '".to_string()),
                }
            },
            // Double quotes: the same, but `\` escapes and `$?` works.
            '"' => loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => text.extend(chars.next()),
                    Some('$') if chars.peek() == Some(&'?') => {
                        chars.next();
                        text.push(STATUS_MARK);
                    }
                    Some(c) => text.push(c),
                    None => return Err("syntax error: missing closing \"".to_string()),
                }
            },
            '\\' => text.extend(chars.next()),
            '$' if chars.peek() == Some(&'?') => {
                chars.next();
                text.push(STATUS_MARK);
            }
            STATUS_MARK => {} // a typed NUL: dropped, it cannot be passed on
            c => text.push(c),
        }
    }
    tokens.extend(word.map(Token::Word));
    Ok(tokens)
}

fn syntax_error(near: &str) -> String {
    format!("syntax error near '{near}'")
}

/// Builds pipelines out of tokens (see the grammar at the top).
pub fn parse(tokens: Vec<Token>) -> Result<Vec<Pipeline>, String> {
    let mut pipelines = Vec::new();
    let mut commands = Vec::new(); // of the pipeline being built
    let mut command = Command::default(); // the command being built
    let mut tokens = tokens.into_iter();
    while let Some(token) = tokens.next() {
        match token {
            Token::Word(word) => command.argv.push(word),
            Token::Input | Token::Output | Token::Append => {
                // A redirection takes the next word as its file.
                let path = match tokens.next() {
                    Some(Token::Word(path)) => path,
                    Some(other) => return Err(syntax_error(&other.to_string())),
                    None => return Err(syntax_error("newline")),
                };
                match token {
                    Token::Input => command.input = Some(path),
                    _ => {
                        let append = token == Token::Append;
                        command.output = Some(Redirect { path, append })
                    }
                }
            }
            Token::Pipe | Token::Sequence | Token::Background => {
                // Every operator ends a command, which must not be empty.
                if command.argv.is_empty() {
                    return Err(syntax_error(&token.to_string()));
                }
                commands.push(core::mem::take(&mut command));
                if token != Token::Pipe {
                    pipelines.push(Pipeline {
                        commands: core::mem::take(&mut commands),
                        background: token == Token::Background,
                    });
                }
            }
        }
    }
    // The end of the line ends the last command, unless nothing started one.
    if !command.argv.is_empty() {
        commands.push(command);
    } else if !commands.is_empty() {
        return Err(syntax_error("|")); // the line ended right after a `|`
    } else if command.input.is_some() || command.output.is_some() {
        return Err(syntax_error("newline")); // `> file` with no command
    }
    if !commands.is_empty() {
        pipelines.push(Pipeline {
            commands,
            background: false,
        });
    }
    Ok(pipelines)
}

/// Replaces each `$?` in `pipeline` with `status`.
pub fn expand_status(pipeline: &mut Pipeline, status: i32) {
    let status = format!("{status}");
    for command in &mut pipeline.commands {
        let output = command.output.as_mut().map(|o| &mut o.path);
        let words = command
            .argv
            .iter_mut()
            .chain(&mut command.input)
            .chain(output);
        for word in words {
            if word.contains(STATUS_MARK) {
                *word = word.replace(STATUS_MARK, &status);
            }
        }
    }
}
