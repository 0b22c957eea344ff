package dev.servicemanager.server.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Vectors produced by libxcrypt's crypt(3) (through Python's crypt module), plus jBCrypt's classic one. */
class BCryptTest {
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "''|$2a$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s.",
        "abc|$2b$04$abcdefghijklmnopqrstuuCi15uRb1eH7NAlJ/TgeJertyknQpYn2",
        "U*U|$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        "pässwörd-with-unicode|$2b$05$012345678901234567890uQV5/t1XCrAnEVCEqWMU52I64KIMgrsu",
        "secret|$2y$10$XajjQvNhvvRt5GSeFk1xFeGRNnBY7BFxxlvqOHudbOqG5G6TvPAW2"
      })
  void matchesKnownHashes(String password, String hash) {
    assertThat(BCrypt.matches(password, hash)).isTrue();
    assertThat(BCrypt.matches(password + "x", hash)).isFalse();
  }

  @Test
  void malformedHashesNeverMatch() {
    assertThat(BCrypt.isHash("$2a$06$short")).isFalse();
    assertThat(BCrypt.matches("", "$2a$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s")).isFalse();
    assertThat(BCrypt.matches("", "plain")).isFalse();
  }
}
