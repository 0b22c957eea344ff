package dev.servicemanager.compass.director;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.servicemanager.compass.CompassException;
import java.util.List;
import org.junit.jupiter.api.Test;

class PagingTest {
  @Test
  void cursorsRoundTripAndPagesSayWhetherMoreFollow() {
    Paging first = Paging.of(2, null);
    Model.Page<String> page = first.slice(List.of("a", "b", "c"));
    assertThat(page.data()).containsExactly("a", "b");
    assertThat(page.totalCount()).isEqualTo(3);
    assertThat(page.pageInfo().hasNextPage()).isTrue();
    Model.Page<String> next = Paging.of(2, page.pageInfo().endCursor()).slice(List.of("a", "b", "c"));
    assertThat(next.data()).containsExactly("c");
    assertThat(next.pageInfo().hasNextPage()).isFalse();
  }

  @Test
  void defaultsTo200AndRefusesOutOfRangeSizesAndForeignCursors() {
    assertThat(Paging.of(null, null)).isEqualTo(new Paging(200, 0));
    assertThatThrownBy(() -> Paging.of(0, null)).isInstanceOf(CompassException.class);
    assertThatThrownBy(() -> Paging.of(201, null)).isInstanceOf(CompassException.class);
    assertThatThrownBy(() -> Paging.of(5, "b2Zmc2V0Oi0x")).isInstanceOf(CompassException.class); // offset:-1
    assertThatThrownBy(() -> Paging.of(5, "%%%")).isInstanceOf(CompassException.class);
  }
}
