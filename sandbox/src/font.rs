//! A 5×7 bitmap font for the few letters of the "SANDBOX" mark.

/// Glyph rows, top to bottom; bit 4 is the leftmost pixel.
fn glyph(c: char) -> [u8; 7] {
    match c {
        'S' => [0b01111, 0b10000, 0b10000, 0b01110, 0b00001, 0b00001, 0b11110],
        'A' => [0b01110, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001],
        'N' => [0b10001, 0b11001, 0b10101, 0b10011, 0b10001, 0b10001, 0b10001],
        'D' => [0b11110, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b11110],
        'B' => [0b11110, 0b10001, 0b10001, 0b11110, 0b10001, 0b10001, 0b11110],
        'O' => [0b01110, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110],
        'X' => [0b10001, 0b10001, 0b01010, 0b00100, 0b01010, 0b10001, 0b10001],
        _ => [0; 7],
    }
}

/// Width of a glyph plus its spacing, in font pixels.
pub const ADVANCE: usize = 6;
/// Height of a glyph, in font pixels.
pub const HEIGHT: usize = 7;

/// Whether font pixel (`x`, `y`) of `text` is ink.
pub fn ink(text: &str, x: usize, y: usize) -> bool {
    if y >= HEIGHT {
        return false;
    }
    let Some(c) = text.chars().nth(x / ADVANCE) else { return false };
    let col = x % ADVANCE;
    col < 5 && glyph(c)[y] & (0b10000 >> col) != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_have_ink() {
        assert!(ink("S", 1, 0));
        assert!(!ink("S", 0, 0));
        assert!(!ink("S", 5, 3), "spacing column is blank");
        assert!(!ink("S", 6, 3), "past the text");
        assert!(!ink("S", 1, 7));
        for c in "SANDBOX".chars() {
            assert!(glyph(c).iter().any(|r| *r != 0), "{c}");
        }
    }
}
