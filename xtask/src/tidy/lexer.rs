//! A small Rust lexer for the tidy checks: enough to tell code from comments and string literals,
//! with the line each token starts on.
//!
//! It never fails: text that is not valid Rust still becomes tokens (an unterminated literal or
//! comment runs to the end of the file), so a broken file is reported by the compiler, not here.

/// What a token is. Multi-character operators come as single characters (`::` is two `:`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An identifier or keyword (`r#` stripped from raw identifiers).
    Ident(String),
    /// One punctuation or delimiter character.
    Punct(char),
    /// A string, byte string, C string, character or byte literal, as written in the source.
    Literal(String),
    /// A number, a lifetime or a label: nothing the checks look into.
    Other,
    /// A comment, as written; `doc` for `///`, `//!`, `/** */` and `/*! */`.
    Comment { text: String, doc: bool },
}

/// A token and the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) kind: Kind,
    pub(crate) line: usize,
}

impl Token {
    /// Whether this is the identifier `name`.
    pub(crate) fn is_ident(&self, name: &str) -> bool {
        matches!(&self.kind, Kind::Ident(ident) if ident == name)
    }

    /// Whether this is the punctuation character `c`.
    pub(crate) fn is_punct(&self, c: char) -> bool {
        self.kind == Kind::Punct(c)
    }
}

/// The tokens of `text`, comments included.
pub(crate) fn tokens(text: &str) -> Vec<Token> {
    let mut lexer = Lexer {
        chars: text.chars().collect(),
        pos: 0,
        line: 1,
        out: Vec::new(),
    };
    lexer.run();
    lexer.out
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    line: usize,
    out: Vec<Token>,
}

impl Lexer {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    /// Consumes one character, counting lines.
    fn bump(&mut self) -> Option<char> {
        let c = self.peek(0)?;
        self.pos += 1;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn text_from(&self, start: usize) -> String {
        self.chars[start..self.pos].iter().collect()
    }

    fn run(&mut self) {
        while let Some(c) = self.peek(0) {
            let (start, line) = (self.pos, self.line);
            let kind = match c {
                c if c.is_whitespace() => {
                    self.bump();
                    continue;
                }
                '/' if self.peek(1) == Some('/') => self.line_comment(),
                '/' if self.peek(1) == Some('*') => self.block_comment(),
                '"' => self.quoted('"'),
                '\'' => self.quote_or_lifetime(),
                c if c.is_ascii_digit() => self.number(),
                c if c == '_' || c.is_alphabetic() => self.word(),
                c => {
                    self.bump();
                    Kind::Punct(c)
                }
            };
            let kind = match kind {
                Kind::Literal(_) => Kind::Literal(self.text_from(start)),
                kind => kind,
            };
            self.out.push(Token { kind, line });
        }
    }

    fn line_comment(&mut self) -> Kind {
        let start = self.pos;
        while self.peek(0).is_some_and(|c| c != '\n') {
            self.bump();
        }
        let text = self.text_from(start);
        let doc = (text.starts_with("///") && !text.starts_with("////")) || text.starts_with("//!");
        Kind::Comment { text, doc }
    }

    fn block_comment(&mut self) -> Kind {
        let start = self.pos;
        self.bump();
        self.bump();
        let mut depth = 1;
        while depth > 0 {
            match (self.bump(), self.peek(0)) {
                (None, _) => break,
                (Some('/'), Some('*')) => {
                    self.bump();
                    depth += 1;
                }
                (Some('*'), Some('/')) => {
                    self.bump();
                    depth -= 1;
                }
                _ => {}
            }
        }
        let text = self.text_from(start);
        let doc = (text.starts_with("/**") && !text.starts_with("/***") && text != "/**/")
            || text.starts_with("/*!");
        Kind::Comment { text, doc }
    }

    /// A literal from its opening quote (`"` or `'`) to the matching unescaped one.
    fn quoted(&mut self, quote: char) -> Kind {
        self.bump();
        while let Some(c) = self.bump() {
            match c {
                '\\' => {
                    self.bump();
                }
                c if c == quote => break,
                _ => {}
            }
        }
        Kind::Literal(String::new())
    }

    /// A raw string from its `#`s or opening quote: ends at a quote followed by as many `#`s.
    fn raw_string(&mut self) -> Kind {
        let mut hashes = 0;
        while self.peek(0) == Some('#') {
            self.bump();
            hashes += 1;
        }
        self.bump(); // the opening quote
        while let Some(c) = self.bump() {
            if c == '"' && (0..hashes).all(|i| self.peek(i) == Some('#')) {
                for _ in 0..hashes {
                    self.bump();
                }
                break;
            }
        }
        Kind::Literal(String::new())
    }

    /// `'x'`, `'\n'` (a character literal) or `'a` (a lifetime or label).
    fn quote_or_lifetime(&mut self) -> Kind {
        if self.peek(1) == Some('\\') || self.peek(2) == Some('\'') {
            return self.quoted('\'');
        }
        self.bump();
        while self
            .peek(0)
            .is_some_and(|c| c == '_' || c.is_alphanumeric())
        {
            self.bump();
        }
        Kind::Other
    }

    fn number(&mut self) -> Kind {
        self.eat_word_chars();
        if self.peek(0) == Some('.') && self.peek(1).is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
            self.eat_word_chars();
        }
        Kind::Other
    }

    fn eat_word_chars(&mut self) {
        while self
            .peek(0)
            .is_some_and(|c| c == '_' || c.is_alphanumeric())
        {
            self.bump();
        }
    }

    /// An identifier, or a literal with a prefix (`b"…"`, `r#"…"#`, `br"…"`, `c"…"`, `b'x'`), or
    /// a raw identifier (`r#type`).
    fn word(&mut self) -> Kind {
        let start = self.pos;
        self.eat_word_chars();
        let word = self.text_from(start);
        let next = self.peek(0);
        match (word.as_str(), next) {
            ("b" | "c", Some('"')) => self.quoted('"'),
            ("b", Some('\'')) => self.quoted('\''),
            ("r" | "br" | "cr", Some('"')) => self.raw_string(),
            ("r" | "br" | "cr", Some('#')) if self.raw_string_follows() => self.raw_string(),
            ("r", Some('#')) => {
                self.bump();
                let ident_start = self.pos;
                self.eat_word_chars();
                Kind::Ident(self.text_from(ident_start))
            }
            _ => Kind::Ident(word),
        }
    }

    /// After an `r`, whether `#…#"` starts a raw string (rather than `r#ident`).
    fn raw_string_follows(&self) -> bool {
        let mut ahead = 0;
        while self.peek(ahead) == Some('#') {
            ahead += 1;
        }
        self.peek(ahead) == Some('"')
    }
}
